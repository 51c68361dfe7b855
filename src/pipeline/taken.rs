//! When a photo was taken, from its EXIF data (DateTimeOriginal, else
//! DateTimeDigitized, else DateTime), for the seen-before timeline.
//!
//! EXIF times are the camera's local clock with no zone (the offset tags are
//! rare). They are kept as that wall-clock time counted as if it were UTC, so
//! a photo taken at 23:30 on 31 March stays in March wherever it is viewed.

use exif::{In, Reader, Tag, Value};
use std::io::Cursor;

/// Milliseconds since 1970 of the photo's wall-clock time, or `None` if the
/// file has no (valid) date.
pub fn taken_ms(bytes: &[u8]) -> Option<f64> {
    let exif = Reader::new()
        .read_from_container(&mut Cursor::new(jpeg_header(bytes)))
        .ok()?;
    [Tag::DateTimeOriginal, Tag::DateTimeDigitized, Tag::DateTime]
        .into_iter()
        .find_map(|tag| {
            let field = exif.get_field(tag, In::PRIMARY)?;
            let Value::Ascii(ref parts) = field.value else {
                return None;
            };
            let dt = exif::DateTime::from_ascii(parts.first()?).ok()?;
            // Cameras with an unset clock write 0000:00:00 or 1970.
            let valid = (1900..=2200).contains(&dt.year)
                && (1..=12).contains(&dt.month)
                && (1..=31).contains(&dt.day)
                && dt.year != 1970;
            valid.then(|| {
                let days = days_from_civil(i64::from(dt.year), dt.month.into(), dt.day.into());
                let secs = days * 86_400
                    + i64::from(dt.hour) * 3600
                    + i64::from(dt.minute) * 60
                    + i64::from(dt.second);
                secs as f64 * 1000.0
            })
        })
}

/// A JPEG's segments before its first scan, where EXIF data must be; the
/// whole of any other file. The EXIF reader otherwise reads a JPEG without
/// any to its end (2–3 ms of a 3 MB photo in the worker).
fn jpeg_header(bytes: &[u8]) -> &[u8] {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return bytes;
    }
    let mut at = 2;
    // Each segment: 0xFF, its marker, then a big-endian length that counts
    // itself. Anything unexpected: the whole file, as before.
    while let Some(&[0xFF, marker, high, low]) = bytes.get(at..at + 4) {
        match marker {
            // Fill bytes may come before a marker.
            0xFF => at += 1,
            0xDA => return &bytes[..at],
            _ => at += 2 + usize::from(u16::from_be_bytes([high, low])),
        }
    }
    bytes
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG (SOI, APP1 Exif with one IFD0 entry pointing to an
    /// Exif IFD with DateTimeOriginal, EOI): enough for the EXIF reader.
    pub fn jpeg_with_date(date: &str) -> Vec<u8> {
        assert_eq!(date.len(), 19);
        let mut tiff = Vec::new();
        tiff.extend(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
        tiff.extend(1u16.to_be_bytes()); // one entry
        tiff.extend(0x8769u16.to_be_bytes()); // ExifIFDPointer
        tiff.extend(4u16.to_be_bytes()); // LONG
        tiff.extend(1u32.to_be_bytes());
        tiff.extend(26u32.to_be_bytes()); // Exif IFD offset
        tiff.extend(0u32.to_be_bytes()); // no next IFD
        assert_eq!(tiff.len(), 26);
        tiff.extend(1u16.to_be_bytes());
        tiff.extend(0x9003u16.to_be_bytes()); // DateTimeOriginal
        tiff.extend(2u16.to_be_bytes()); // ASCII
        tiff.extend(20u32.to_be_bytes());
        tiff.extend(44u32.to_be_bytes()); // value offset
        tiff.extend(0u32.to_be_bytes());
        assert_eq!(tiff.len(), 44);
        tiff.extend(date.as_bytes());
        tiff.push(0);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend(((app1.len() + 2) as u16).to_be_bytes());
        jpeg.extend(app1);
        jpeg.extend([0xFF, 0xD9]);
        jpeg
    }

    #[test]
    fn reads_date_time_original_as_wall_clock() {
        let ms = taken_ms(&jpeg_with_date("2024:03:31 23:30:05")).unwrap();
        // 2024-03-31T23:30:05Z
        assert_eq!(ms, 1_711_927_805_000.0);
    }

    #[test]
    fn reads_the_date_from_the_segments_before_the_scan_only() {
        // Before the end marker: a scan, its data with a stray 0xFF 0xE1.
        let mut jpeg = jpeg_with_date("2019:07:14 09:05:00");
        jpeg.truncate(jpeg.len() - 2);
        jpeg.extend([0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0xE1, 0x34, 0xFF, 0xD9]);
        let header = jpeg_header(&jpeg);
        assert_eq!(header.len(), jpeg.len() - 10);
        assert_eq!(&jpeg[header.len()..][..2], &[0xFF, 0xDA]);
        assert_eq!(taken_ms(header), taken_ms(&jpeg));
        assert!(taken_ms(&jpeg).is_some());
        assert_eq!(jpeg_header(b"not a jpeg"), b"not a jpeg");
        let mut filled = jpeg[..2].to_vec();
        filled.extend([0xFF, 0xFF]);
        filled.extend(&jpeg[2..]);
        assert_eq!(jpeg_header(&filled).len(), header.len() + 2);
        // A segment length running past the end: the whole file.
        assert_eq!(jpeg_header(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]).len(), 6);
    }

    #[test]
    fn no_or_unset_date_is_none() {
        assert_eq!(taken_ms(&jpeg_with_date("0000:00:00 00:00:00")), None);
        assert_eq!(taken_ms(b"not an image"), None);
        assert_eq!(taken_ms(&[]), None);
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
