//! People packs: a library's named people as a small file (names, whether
//! hidden, a few representative face descriptors; never a photo), so another
//! browser or device recognises them. A pack's people wait in the library that
//! imported it; whenever grouping has made a person who matches one, that
//! person takes the pack's name. Nothing is ever merged or moved by a pack,
//! and a match that would rename someone the user already named is shown, not
//! applied: a wrong name is cheap to undo, a wrong merge is not.

use crate::face::embedding::Embedding;
use crate::people::cluster::PersonId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What the file says it is, so any other JSON is refused by name.
pub const FORMAT: &str = "facesort-people";
pub const VERSION: u32 = 1;
/// Faces kept per person: enough to cover light and pose, small enough that
/// a family's pack is a few kilobytes.
pub const REPRESENTATIVES: usize = 5;
/// A library person matches a pack person when their faces' mean distance to
/// each other (average linkage, as grouping compares groups) is below this.
/// Measured with every identity of a set at once (a file made from the first
/// half of each identity's photos, the second halves as the library's
/// people), right / wrong / not named:
///
/// | threshold | dev (41 people) | lfw-tune (791 people, look-alikes) |
/// |---|---|---|
/// | 0.50 | 39 / 0 / 2 | 693 / 5 / 93 |
/// | **0.55** | 41 / 0 / 0 | 755 / 9 / 27 |
/// | 0.60 | 41 / 0 / 0 | 771 / 11 / 9 |
///
/// A wrong name is shown and undone in one step (nothing is merged), and a
/// family's file holds tens of people, not 791 look-alikes side by side.
pub const MAX_MEAN_DISTANCE: f32 = 0.55;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeoplePack {
    pub format: String,
    pub version: u32,
    pub people: Vec<PackedPerson>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PackedPerson {
    pub name: String,
    pub hidden: bool,
    pub faces: Vec<Embedding>,
}

impl PackedPerson {
    /// Has faces, every one a descriptor of the shipped embedder: checked on
    /// whatever is read back (a file, or the library's records).
    pub fn is_sound(&self) -> bool {
        !self.faces.is_empty() && self.faces.iter().all(Embedding::is_valid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("this is not a Facesort people file")]
    NotAPack,
    #[error(
        "this people file was made by a newer Facesort (version {0}); reload the page to update it, then try again"
    )]
    Newer(u32),
    #[error("this people file names nobody")]
    Empty,
    #[error("the faces of {0} in this people file are damaged")]
    Damaged(String),
    #[error("{0} is named twice in this people file")]
    Twice(String),
}

/// One person of the library as a pack sees them.
pub struct Candidate<'a> {
    pub id: PersonId,
    pub name: Option<&'a str>,
    pub faces: Vec<&'a Embedding>,
}

/// What one pack person means for this library now.
#[derive(Clone, Debug, PartialEq)]
pub enum Recognised {
    /// An unnamed person matches: they take the pack's name.
    Name { person: PersonId, name: String },
    /// The matching person already has this name.
    Same { person: PersonId },
    /// The matching person has another name: the user decides.
    NamedOtherwise {
        person: PersonId,
        here: String,
        in_pack: String,
    },
    /// The matching person is unnamed, but someone else here (`named`)
    /// already has this name: the user decides (merging them, perhaps).
    NameTaken {
        name: String,
        named: PersonId,
        matching: PersonId,
    },
    /// Nobody matches yet: the name waits for photos of them.
    Waiting { name: String },
}

impl PeoplePack {
    /// The named people of a library, each with up to [`REPRESENTATIVES`]
    /// faces chosen to be unlike each other. People without a valid face are
    /// left out: there is nothing to recognise them by.
    pub fn of<'a>(people: impl IntoIterator<Item = (&'a str, bool, Vec<&'a Embedding>)>) -> Self {
        let people = people
            .into_iter()
            .filter_map(|(name, hidden, faces)| {
                let faces: Vec<&Embedding> = faces.into_iter().filter(|f| f.is_valid()).collect();
                let picked = representatives(&faces, REPRESENTATIVES);
                (!picked.is_empty()).then(|| PackedPerson {
                    name: name.to_string(),
                    hidden,
                    faces: picked.into_iter().map(|i| faces[i].clone()).collect(),
                })
            })
            .collect();
        PeoplePack {
            format: FORMAT.into(),
            version: VERSION,
            people,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // A pack is plain data: serialising it cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads and checks a pack file; anything else is refused with a reason.
    pub fn read(bytes: &[u8]) -> Result<Self, PackError> {
        #[derive(Deserialize)]
        struct Header {
            format: String,
            version: u32,
        }
        let header: Header = serde_json::from_slice(bytes).map_err(|_| PackError::NotAPack)?;
        if header.format != FORMAT {
            return Err(PackError::NotAPack);
        }
        if header.version > VERSION {
            return Err(PackError::Newer(header.version));
        }
        let pack: PeoplePack = serde_json::from_slice(bytes).map_err(|_| PackError::NotAPack)?;
        pack.check()?;
        Ok(pack)
    }

    /// Names unique and non-empty, faces present and of the shipped embedder.
    pub fn check(&self) -> Result<(), PackError> {
        if self.people.is_empty() {
            return Err(PackError::Empty);
        }
        let mut names = HashSet::new();
        for p in &self.people {
            let name = p.name.trim();
            if name.is_empty() || !p.is_sound() {
                return Err(PackError::Damaged(if name.is_empty() {
                    "someone".into()
                } else {
                    name.into()
                }));
            }
            if !names.insert(name.to_lowercase()) {
                return Err(PackError::Twice(name.into()));
            }
        }
        Ok(())
    }
}

/// Matches each known person with at most one library person and each
/// library person with at most one known person, closest pairs first.
pub fn recognise(known: &[PackedPerson], library: &[Candidate]) -> Vec<Recognised> {
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (p, packed) in known.iter().enumerate() {
        let refs: Vec<&Embedding> = packed.faces.iter().collect();
        for (c, candidate) in library.iter().enumerate() {
            if candidate.faces.is_empty() {
                continue;
            }
            let d = mean_linkage(&refs, &candidate.faces);
            if d < MAX_MEAN_DISTANCE {
                pairs.push((d, p, c));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut matched: Vec<Option<usize>> = vec![None; known.len()];
    let mut taken = vec![false; library.len()];
    for (_, p, c) in pairs {
        if matched[p].is_none() && !taken[c] {
            matched[p] = Some(c);
            taken[c] = true;
        }
    }
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    known
        .iter()
        .zip(matched)
        .map(|(packed, found)| {
            let name = packed.name.trim().to_string();
            match found.map(|c| &library[c]) {
                Some(c) => match c.name {
                    Some(here) if same(here, &name) => Recognised::Same { person: c.id },
                    Some(here) => Recognised::NamedOtherwise {
                        person: c.id,
                        here: here.to_string(),
                        in_pack: name,
                    },
                    None => match library
                        .iter()
                        .find(|o| o.name.is_some_and(|n| same(n, &name)))
                    {
                        Some(other) => Recognised::NameTaken {
                            name,
                            named: other.id,
                            matching: c.id,
                        },
                        None => Recognised::Name { person: c.id, name },
                    },
                },
                None => Recognised::Waiting { name },
            }
        })
        .collect()
}

/// Mean distance over every pair of one face from each side.
fn mean_linkage(a: &[&Embedding], b: &[&Embedding]) -> f32 {
    let n = (a.len() * b.len()) as f32;
    a.iter()
        .map(|x| b.iter().map(|y| x.distance(y)).sum::<f32>())
        .sum::<f32>()
        / n
}

/// Up to `k` faces unlike each other: the face closest to all the others
/// first (the most typical), then each time the face farthest from those
/// already picked. Indices into `faces`, deterministic.
pub fn representatives(faces: &[&Embedding], k: usize) -> Vec<usize> {
    if faces.is_empty() || k == 0 {
        return Vec::new();
    }
    // Large groups: compare against a bounded sample, so the cost stays flat.
    let sample: Vec<usize> = (0..faces.len())
        .step_by(faces.len().div_ceil(200))
        .collect();
    let typical = (0..faces.len())
        .min_by(|&i, &j| {
            let d = |x: usize| {
                sample
                    .iter()
                    .map(|&s| faces[x].distance(faces[s]))
                    .sum::<f32>()
            };
            d(i).total_cmp(&d(j)).then(i.cmp(&j))
        })
        .unwrap_or(0);
    let mut picked = vec![typical];
    let mut nearest: Vec<f32> = faces.iter().map(|f| f.distance(faces[typical])).collect();
    while picked.len() < k.min(faces.len()) {
        let Some(next) = (0..faces.len())
            .filter(|i| !picked.contains(i))
            .max_by(|&i, &j| nearest[i].total_cmp(&nearest[j]).then(j.cmp(&i)))
        else {
            break;
        };
        if nearest[next] == 0.0 {
            break; // the rest are copies of faces already picked
        }
        picked.push(next);
        for (i, f) in faces.iter().enumerate() {
            nearest[i] = nearest[i].min(f.distance(faces[next]));
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid descriptor near `base` along axis `axis` (unit spacing keeps
    /// distances readable: 0.1 apart means close, 1.0 means strangers).
    fn face(base: usize, offset: f32) -> Embedding {
        let mut v = vec![0.0; Embedding::LEN];
        v[base] = 1.0;
        v[Embedding::LEN - 1] = offset;
        Embedding::new(v)
    }

    fn candidate<'a>(id: u32, name: Option<&'a str>, faces: &'a [Embedding]) -> Candidate<'a> {
        Candidate {
            id: PersonId(id),
            name,
            faces: faces.iter().collect(),
        }
    }

    fn pack(people: &[(&str, &[Embedding])]) -> PeoplePack {
        PeoplePack::of(people.iter().map(|(n, f)| (*n, false, f.iter().collect())))
    }

    #[test]
    fn a_pack_round_trips_and_keeps_a_few_unlike_faces() {
        let ann: Vec<Embedding> = (0..20).map(|i| face(0, i as f32 * 0.01)).collect();
        let p = pack(&[("Ann", &ann)]);
        assert_eq!(p.people[0].faces.len(), REPRESENTATIVES);
        // The two ends of the spread are among them.
        let offsets: Vec<f32> = p.people[0]
            .faces
            .iter()
            .map(|f| f.as_slice()[127])
            .collect();
        assert!(
            offsets.contains(&0.0) && offsets.contains(&0.19),
            "{offsets:?}"
        );
        assert_eq!(PeoplePack::read(&p.to_json()).unwrap(), p);
    }

    #[test]
    fn other_files_and_damaged_packs_are_refused_by_name() {
        assert_eq!(PeoplePack::read(b"not json"), Err(PackError::NotAPack));
        assert_eq!(
            PeoplePack::read(br#"{"format":"other","version":1}"#),
            Err(PackError::NotAPack)
        );
        assert_eq!(
            PeoplePack::read(br#"{"format":"facesort-people","version":7,"people":[]}"#),
            Err(PackError::Newer(7))
        );
        assert_eq!(
            PeoplePack::read(br#"{"format":"facesort-people","version":1,"people":[]}"#),
            Err(PackError::Empty)
        );
        let short = br#"{"format":"facesort-people","version":1,"people":[{"name":"Ann","hidden":false,"faces":[[0.1,0.2]]}]}"#;
        assert_eq!(
            PeoplePack::read(short),
            Err(PackError::Damaged("Ann".into()))
        );
        let mut twice = pack(&[("Ann", &[face(0, 0.0)]), ("Bo", &[face(1, 0.0)])]);
        twice.people[1].name = " ann".into();
        assert_eq!(
            PeoplePack::read(&twice.to_json()),
            Err(PackError::Twice("ann".into()))
        );
    }

    #[test]
    fn matching_people_are_named_and_others_are_shown_not_changed() {
        let (ann, bo, cy, dee) = (
            [face(0, 0.0), face(0, 0.1)],
            [face(1, 0.0)],
            [face(2, 0.0)],
            [face(3, 0.0)],
        );
        let p = pack(&[
            ("Ann", &ann),
            ("Bo", &bo),
            ("Cy", &cy),
            ("Dee", &dee),
            ("Eve", &[face(4, 0.0)]),
        ]);
        let (l_ann, l_bo, l_cy, l_dee, l_stranger) = (
            [face(0, 0.05)],
            [face(1, 0.02)],
            [face(2, 0.03)],
            [face(3, 0.01)],
            [face(9, 0.0)],
        );
        let library = [
            candidate(10, None, &l_ann),
            candidate(11, Some("bo"), &l_bo),
            candidate(12, Some("Cyrus"), &l_cy),
            candidate(13, None, &l_dee),
            // Someone else already carries the name "Dee".
            candidate(14, Some("Dee"), &l_stranger),
        ];
        assert_eq!(
            recognise(&p.people, &library),
            vec![
                Recognised::Name {
                    person: PersonId(10),
                    name: "Ann".into()
                },
                Recognised::Same {
                    person: PersonId(11)
                },
                Recognised::NamedOtherwise {
                    person: PersonId(12),
                    here: "Cyrus".into(),
                    in_pack: "Cy".into()
                },
                Recognised::NameTaken {
                    name: "Dee".into(),
                    named: PersonId(14),
                    matching: PersonId(13),
                },
                Recognised::Waiting { name: "Eve".into() },
            ]
        );
    }

    #[test]
    fn one_person_takes_at_most_one_name() {
        // Two pack people both close to one library person: the closer wins.
        let p = pack(&[("Ann", &[face(0, 0.2)]), ("Annie", &[face(0, 0.05)])]);
        let here = [face(0, 0.0)];
        let got = recognise(&p.people, &[candidate(1, None, &here)]);
        assert_eq!(
            got,
            vec![
                Recognised::Waiting { name: "Ann".into() },
                Recognised::Name {
                    person: PersonId(1),
                    name: "Annie".into()
                },
            ]
        );
    }

    #[test]
    fn look_alikes_beyond_the_boundary_are_not_named() {
        let mut near = face(0, 0.0);
        let p = pack(&[("Ann", &[near.clone()])]);
        // 0.6 away: dlib's boundary, beyond a pack's stricter one.
        let mut v = near.as_slice().to_vec();
        v[127] = 0.6;
        near = Embedding::new(v);
        let here = [near];
        assert_eq!(
            recognise(&p.people, &[candidate(1, None, &here)]),
            vec![Recognised::Waiting { name: "Ann".into() }]
        );
    }
}
