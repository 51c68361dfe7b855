//! When a person was seen: first and last, and photos per month.
//!
//! A photo's time is when it was taken (EXIF) if the camera recorded it, else
//! the file's last-modified time. Both are milliseconds since 1970 read as
//! UTC (EXIF times are the camera's wall clock; see the `taken` module).

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

const NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Month {
    pub fn of(ms: f64) -> Month {
        let (year, month, _) = civil(ms);
        Month { year, month }
    }

    /// "March 2024".
    pub fn label(&self) -> String {
        format!("{} {}", NAMES[self.month as usize - 1], self.year)
    }
}

/// "31 March 2024".
pub fn day_label(ms: f64) -> String {
    let (year, month, day) = civil(ms);
    format!("{day} {} {year}", NAMES[month as usize - 1])
}

/// Who was in a day's photos, as the library's history says it: those in the
/// most photos first, then by name (so the list reads the same each time it
/// is opened), at most `shown` of them, and how many more there were.
pub fn most_seen(mut in_photos: Vec<(String, usize)>, shown: usize) -> (Vec<String>, usize) {
    in_photos.sort_by(|(a, m), (b, n)| n.cmp(m).then_with(|| a.cmp(b)));
    let more = in_photos.len().saturating_sub(shown);
    let names = in_photos
        .into_iter()
        .take(shown)
        .map(|(name, _)| name)
        .collect();
    (names, more)
}

/// When one photo was seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seen {
    pub ms: f64,
    /// From the camera (EXIF) rather than the file's time.
    pub from_camera: bool,
}

impl Seen {
    pub fn of(taken_ms: Option<f64>, last_modified_ms: f64) -> Seen {
        match taken_ms {
            Some(ms) => Seen {
                ms,
                from_camera: true,
            },
            None => Seen {
                ms: last_modified_ms,
                from_camera: false,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub first: Seen,
    pub last: Seen,
    /// Months with photos, oldest first.
    pub per_month: Vec<(Month, usize)>,
    pub from_camera: usize,
    pub total: usize,
}

impl Timeline {
    /// `None` without photos.
    pub fn of(seen: &[Seen]) -> Option<Timeline> {
        let first = *seen.iter().min_by(|a, b| a.ms.total_cmp(&b.ms))?;
        let last = *seen.iter().max_by(|a, b| a.ms.total_cmp(&b.ms))?;
        let mut months: Vec<Month> = seen.iter().map(|s| Month::of(s.ms)).collect();
        months.sort();
        let mut per_month: Vec<(Month, usize)> = Vec::new();
        for m in months {
            match per_month.last_mut() {
                Some((last, n)) if *last == m => *n += 1,
                _ => per_month.push((m, 1)),
            }
        }
        Some(Timeline {
            first,
            last,
            per_month,
            from_camera: seen.iter().filter(|s| s.from_camera).count(),
            total: seen.len(),
        })
    }
}

/// (year, month, day) of a UTC millisecond time (Howard Hinnant's algorithm).
pub(crate) fn civil(ms: f64) -> (i32, u32, u32) {
    let days = (ms / 86_400_000.0).floor() as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAR_31_2024_2330: f64 = 1_711_927_800_000.0;

    #[test]
    fn months_and_days_from_milliseconds() {
        assert_eq!(civil(0.0), (1970, 1, 1));
        assert_eq!(civil(MAR_31_2024_2330), (2024, 3, 31));
        assert_eq!(civil(-1.0), (1969, 12, 31));
        assert_eq!(Month::of(951_782_400_000.0).label(), "February 2000"); // 29 Feb 2000
        assert_eq!(day_label(MAR_31_2024_2330), "31 March 2024");
    }

    #[test]
    fn a_days_people_most_photographed_first_then_by_name() {
        let day = vec![
            ("Zoe".to_string(), 2),
            ("Ann".to_string(), 1),
            ("Bob".to_string(), 5),
            ("Cy".to_string(), 2),
        ];
        assert_eq!(
            most_seen(day.clone(), 3),
            (vec!["Bob".into(), "Cy".into(), "Zoe".into()], 1)
        );
        assert_eq!(most_seen(day, 10).1, 0);
        assert_eq!(most_seen(Vec::new(), 3), (Vec::new(), 0));
    }

    #[test]
    fn first_last_and_photos_per_month_camera_time_first() {
        let april = MAR_31_2024_2330 + 3_600_000.0; // 1 April 00:30
        let seen = [
            Seen::of(Some(april), 0.0),
            Seen::of(None, MAR_31_2024_2330),
            Seen::of(Some(MAR_31_2024_2330 - 86_400_000.0 * 400.0), 5.0),
            Seen::of(None, april + 1000.0),
        ];
        let t = Timeline::of(&seen).unwrap();
        assert_eq!(day_label(t.first.ms), "25 February 2023");
        assert!(t.first.from_camera);
        assert_eq!(t.last.ms, april + 1000.0);
        let months: Vec<(String, usize)> =
            t.per_month.iter().map(|(m, n)| (m.label(), *n)).collect();
        assert_eq!(
            months,
            vec![
                ("February 2023".into(), 1),
                ("March 2024".into(), 1),
                ("April 2024".into(), 2)
            ]
        );
        assert_eq!((t.from_camera, t.total), (2, 4));
        assert_eq!(Timeline::of(&[]), None);
    }
}
