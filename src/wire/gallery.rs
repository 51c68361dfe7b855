//! A shared gallery's files: a folder a host can serve as it is, holding the
//! app and the organiser's chosen photos, all sealed (AES-GCM) so that only
//! someone with a code can see them.
//!
//! - `gallery/gallery.json` ([`GalleryHeader`]) is the one readable file: the
//!   salt and iteration count to derive a key from a code, and the names of
//!   the sealed indexes ("locks"), one for the room code and one per guest
//!   album.
//! - Each lock is a [`GuestIndex`] sealed under the key derived from its code:
//!   titles, names (if the organiser chose to include them), face
//!   descriptors, and for every photo the file and the random key of its
//!   sealed original and thumbnail.
//! - Every photo and thumbnail is sealed under its own random key, so a guest
//!   album can give one person's photos without the room's key.
//!
//! A sealed file is the 12-byte nonce followed by AES-GCM's ciphertext and
//! tag. The sealing itself is the browser's (WebCrypto); this module is the
//! format, and what a guest's page computes from it.

use crate::face::embedding::Embedding;
use crate::face::geometry::FaceBox;
use crate::people::book::FaceKey;
use crate::people::cluster::PhotoId;
use crate::people::search::{rank, Match};
use crate::wire::export::WallTime;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "facesort-gallery";
pub const VERSION: u32 = 1;
/// The gallery's own folder inside the exported app.
pub const FOLDER: &str = "gallery";
/// `FOLDER/HEADER`: what a guest's page reads first.
pub const HEADER: &str = "gallery.json";
/// PBKDF2-HMAC-SHA-256 iterations, OWASP's recommendation for that hash
/// (2023): about half a second in a browser on a slow laptop, per guess.
pub const ITERATIONS: u32 = 600_000;
pub const SALT_BYTES: usize = 16;
pub const KEY_BYTES: usize = 32;
pub const NONCE_BYTES: usize = 12;
/// Characters a code keeps after [`normalise_code`]; shorter ones are refused.
/// Anyone with the files can guess codes offline, so an organiser's own code
/// must be long; the generated ones have 16.
pub const MIN_CODE_CHARS: usize = 12;
/// The `<meta name>` that makes the app's page a guest's page.
pub const META_NAME: &str = "facesort-gallery";

/// The readable part of a gallery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GalleryHeader {
    pub format: String,
    pub version: u32,
    pub kdf: Kdf,
    /// Sealed [`GuestIndex`] files in [`FOLDER`], in no meaningful order.
    pub locks: Vec<String>,
}

/// How a code becomes a key: PBKDF2-HMAC-SHA-256 to an AES-256-GCM key. One
/// salt serves every lock of a gallery, so a guest's page derives one key and
/// tries it on each lock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kdf {
    pub iterations: u32,
    /// Hex.
    pub salt: String,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GalleryError {
    #[error("this is not a Facesort gallery (its gallery.json is damaged)")]
    NotAGallery,
    #[error("this gallery was made by a newer Facesort (format {0}); it cannot be opened here")]
    Newer(u32),
    #[error("the gallery's index is damaged")]
    DamagedIndex,
    #[error("a code needs at least {MIN_CODE_CHARS} letters or digits")]
    ShortCode,
    #[error("the app's own file list was not found: a gallery can be made only from the built app (not a development server)")]
    NoAppFiles,
}

impl GalleryHeader {
    pub fn new(salt: &[u8], locks: Vec<String>) -> Self {
        GalleryHeader {
            format: FORMAT.into(),
            version: VERSION,
            kdf: Kdf {
                iterations: ITERATIONS,
                salt: to_hex(salt),
            },
            locks,
        }
    }

    /// Reads `gallery.json`; anything odd is an error, never a panic.
    pub fn parse(bytes: &[u8]) -> Result<(GalleryHeader, Vec<u8>), GalleryError> {
        let header: GalleryHeader =
            serde_json::from_slice(bytes).map_err(|_| GalleryError::NotAGallery)?;
        if header.format != FORMAT {
            return Err(GalleryError::NotAGallery);
        }
        if header.version > VERSION {
            return Err(GalleryError::Newer(header.version));
        }
        let salt = from_hex(&header.kdf.salt).ok_or(GalleryError::NotAGallery)?;
        let sound = salt.len() >= SALT_BYTES
            && header.kdf.iterations >= 100_000
            && !header.locks.is_empty()
            && header.locks.iter().all(|l| is_plain_file_name(l));
        if !sound {
            return Err(GalleryError::NotAGallery);
        }
        Ok((header, salt))
    }
}

/// What a code opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestIndex {
    pub format: String,
    pub title: String,
    /// A guest album: the photos of this person (named by the organiser),
    /// shown at once. `None` for the room, where guests find themselves.
    pub album: Option<String>,
    /// Empty unless the organiser chose to include names.
    pub people: Vec<GuestPerson>,
    pub photos: Vec<GuestPhoto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestPerson {
    pub id: u32,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestPhoto {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub original: Sealed,
    pub thumbnail: Sealed,
    /// When its file was last changed: the guest's zip keeps it, as the
    /// organiser's does. Absent in galleries made before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<WallTime>,
    /// Only faces of people the organiser did not hide (strangers' face
    /// descriptors are not handed out); empty in a guest album.
    pub faces: Vec<GuestFace>,
}

/// A sealed file of the gallery and the key that opens it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sealed {
    pub file: String,
    /// Hex, [`KEY_BYTES`] long.
    pub key: String,
}

impl Sealed {
    pub fn key_bytes(&self) -> Option<Vec<u8>> {
        from_hex(&self.key).filter(|k| k.len() == KEY_BYTES)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuestFace {
    pub bbox: FaceBox,
    /// A [`GuestPerson`]'s id, when names are included.
    pub person: Option<u32>,
    pub embedding: Embedding,
}

impl GuestIndex {
    /// Reads an opened lock; a damaged one is an error, never a panic.
    pub fn parse(bytes: &[u8]) -> Result<GuestIndex, GalleryError> {
        let index: GuestIndex =
            serde_json::from_slice(bytes).map_err(|_| GalleryError::DamagedIndex)?;
        let sealed_sound = |s: &Sealed| is_plain_file_name(&s.file) && s.key_bytes().is_some();
        let sound = index.format == FORMAT
            && index.photos.iter().all(|p| {
                sealed_sound(&p.original)
                    && sealed_sound(&p.thumbnail)
                    && p.faces.iter().all(|f| f.embedding.is_valid())
            });
        if sound {
            Ok(index)
        } else {
            Err(GalleryError::DamagedIndex)
        }
    }

    /// The album of one person: their photos, without any face descriptor.
    pub fn album_of(&self, person: u32, name: &str) -> GuestIndex {
        GuestIndex {
            format: FORMAT.into(),
            title: self.title.clone(),
            album: Some(name.to_string()),
            people: Vec::new(),
            photos: self
                .photos
                .iter()
                .filter(|p| p.faces.iter().any(|f| f.person == Some(person)))
                .map(|p| GuestPhoto {
                    faces: Vec::new(),
                    ..p.clone()
                })
                .collect(),
        }
    }

    /// The index without names: no people, and no face says whose it is
    /// (which faces are one person would otherwise be told too).
    pub fn without_names(mut self) -> GuestIndex {
        self.people.clear();
        for face in self.photos.iter_mut().flat_map(|p| p.faces.iter_mut()) {
            face.person = None;
        }
        self
    }

    /// Photos with a face like the references, most similar first (the
    /// photo's position in `photos` is its [`PhotoId`]).
    pub fn find(&self, references: &[&Embedding]) -> Vec<Match> {
        rank(
            references,
            self.photos.iter().enumerate().flat_map(|(i, p)| {
                p.faces.iter().enumerate().map(move |(j, f)| {
                    (
                        FaceKey {
                            photo: PhotoId(i as u32),
                            index: j as u32,
                        },
                        &f.embedding,
                    )
                })
            }),
        )
    }

    /// Names of the people in a photo, when names are included.
    pub fn names_in(&self, photo: &GuestPhoto) -> Vec<&str> {
        let mut names: Vec<&str> = photo
            .faces
            .iter()
            .filter_map(|f| f.person)
            .filter_map(|id| self.people.iter().find(|p| p.id == id))
            .map(|p| p.name.as_str())
            .collect();
        names.dedup();
        names
    }
}

/// What the user typed, as the key is derived from it: guests type codes on
/// phones that capitalise and insert spaces, so case, spaces and dashes do
/// not count.
pub fn normalise_code(code: &str) -> Result<String, GalleryError> {
    let kept: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if kept.chars().count() < MIN_CODE_CHARS {
        return Err(GalleryError::ShortCode);
    }
    Ok(kept)
}

/// A code from random bytes: 16 characters of an alphabet without look-alikes
/// (no 0/o, 1/l/i), in groups of four: 16 × log2(31) ≈ 79 bits.
pub fn code_from(random: &[u8]) -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let chars: Vec<char> = random
        .iter()
        .take(16)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.')
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// The built app's files, as its service worker lists them (every file of
/// the build with its SHA-256), so a gallery carries exactly the app that
/// made it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AppFiles {
    pub version: String,
    pub dev: bool,
    /// Relative, URL-encoded paths and hex SHA-256s.
    pub files: Vec<(String, String)>,
}

const PRECACHE_LINE: &str = "const PRECACHE = ";
const PRECACHE_END: &str = "; // written by scripts/sw-precache.mjs";

/// The line of the built `sw.js` that holds its file list.
fn precache_line(sw_js: &str) -> Result<&str, GalleryError> {
    sw_js
        .lines()
        .find(|l| l.starts_with(PRECACHE_LINE) && l.ends_with(PRECACHE_END))
        .ok_or(GalleryError::NoAppFiles)
}

impl AppFiles {
    /// Reads the list from the built `sw.js`.
    pub fn from_service_worker(sw_js: &str) -> Result<AppFiles, GalleryError> {
        let line = precache_line(sw_js)?;
        let json = &line[PRECACHE_LINE.len()..line.len() - PRECACHE_END.len()];
        let files: AppFiles = serde_json::from_str(json).map_err(|_| GalleryError::NoAppFiles)?;
        if files.dev || !files.files.iter().any(|(f, _)| f == "index.html") {
            return Err(GalleryError::NoAppFiles);
        }
        Ok(files)
    }

    pub fn sha256_of(&self, file: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, s)| s.as_str())
    }
}

/// The app's `index.html` made into a guest's page: a `<meta>` tells the app
/// to open the gallery instead of a library.
pub fn guest_index_html(index_html: &str) -> Option<String> {
    let at = index_html.find("</head>")?;
    let meta = format!("<meta name=\"{META_NAME}\" content=\"{FOLDER}/{HEADER}\">\n");
    let with_meta = format!("{}{meta}{}", &index_html[..at], &index_html[at..]);
    // Opened by a double click, the browser refuses the page's scripts and
    // the page stays blank: this says why. It shows only if the app has not
    // started (and removed it) within a few seconds.
    let body = with_meta.find("<body")?;
    let open = body + with_meta[body..].find('>')? + 1;
    Some(format!(
        "{}\n<style>@keyframes facesort-appear{{to{{opacity:1}}}}</style><p id=\"{FROM_DISK_NOTE_ID}\" style=\"{FROM_DISK_NOTE_STYLE}\">{FROM_DISK_NOTE}</p>{}",
        &with_meta[..open],
        &with_meta[open..]
    ))
}

/// The id of the note [`guest_index_html`] puts in a gallery's page.
pub const FROM_DISK_NOTE_ID: &str = "opened-from-disk";

const FROM_DISK_NOTE_STYLE: &str = "opacity:0;animation:facesort-appear 0s 4s forwards;font:1.1rem/1.5 system-ui,sans-serif;margin:2rem";

const FROM_DISK_NOTE: &str = "This gallery opens from a web address (http:// or https://), not as a file on this computer: the browser will not run it from here. See HOW TO SHARE.txt in the gallery's folder.";

/// The app's `sw.js` for a gallery: its list gives the guest page's
/// `index.html` (otherwise the worker would refuse to install, the file not
/// being the one listed), under a version of its own.
pub fn guest_service_worker(
    sw_js: &str,
    files: &AppFiles,
    index_sha256: &str,
) -> Result<String, GalleryError> {
    let old = files
        .sha256_of("index.html")
        .ok_or(GalleryError::NoAppFiles)?;
    // Both the app's version and the guest page: two galleries of one build,
    // or one gallery page over two builds, never share a cache name.
    let version = format!(
        "{}-g{}",
        files.version,
        &index_sha256[..8.min(index_sha256.len())]
    );
    let line = precache_line(sw_js)?;
    let fixed = line
        .replace(&format!("\"{old}\""), &format!("\"{index_sha256}\""))
        .replace(
            &format!("\"version\":\"{}\"", files.version),
            &format!("\"version\":\"{version}\""),
        );
    Ok(sw_js.replace(line, &fixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(x: f32) -> Embedding {
        let mut v = vec![0.0; Embedding::LEN];
        v[0] = x;
        Embedding::new(v)
    }

    fn sealed(n: u32) -> Sealed {
        Sealed {
            file: format!("{n:04}.bin"),
            key: to_hex(&[n as u8; KEY_BYTES]),
        }
    }

    fn photo(n: u32, faces: &[(f32, Option<u32>)]) -> GuestPhoto {
        GuestPhoto {
            name: format!("IMG_{n}.jpg"),
            width: 100,
            height: 80,
            original: sealed(n),
            thumbnail: sealed(1000 + n),
            modified: None,
            faces: faces
                .iter()
                .map(|(x, person)| GuestFace {
                    bbox: FaceBox {
                        left: 1.0,
                        top: 1.0,
                        right: 20.0,
                        bottom: 20.0,
                    },
                    person: *person,
                    embedding: e(*x),
                })
                .collect(),
        }
    }

    fn room() -> GuestIndex {
        GuestIndex {
            format: FORMAT.into(),
            title: "Wedding".into(),
            album: None,
            people: vec![
                GuestPerson {
                    id: 1,
                    name: "Ann".into(),
                },
                GuestPerson {
                    id: 2,
                    name: "Bo".into(),
                },
            ],
            photos: vec![
                photo(1, &[(0.0, Some(1))]),
                photo(2, &[(1.0, Some(2)), (0.05, Some(1))]),
                photo(3, &[(1.0, Some(2))]),
            ],
        }
    }

    #[test]
    fn finding_ranks_photos_by_their_most_similar_face() {
        let index = room();
        let me = e(0.02);
        let found = index.find(&[&me]);
        let order: Vec<u32> = found.iter().map(|m| m.face.photo.0).collect();
        assert_eq!(order, vec![0, 1, 2]);
        assert_eq!(found[1].face.index, 1, "photo 2's best face is Ann's");
        assert!(found[2].similarity < 0.1);
        assert_eq!(index.names_in(&index.photos[1]), vec!["Bo", "Ann"]);
    }

    #[test]
    fn an_album_holds_one_persons_photos_and_no_descriptors() {
        let album = room().album_of(2, "Bo");
        assert_eq!(album.album.as_deref(), Some("Bo"));
        let names: Vec<&str> = album.photos.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["IMG_2.jpg", "IMG_3.jpg"]);
        assert!(album.photos.iter().all(|p| p.faces.is_empty()));
        assert!(album.people.is_empty());
    }

    #[test]
    fn without_names_nothing_says_who_is_who_but_search_still_works() {
        let index = room().without_names();
        assert!(index.people.is_empty());
        assert!(index
            .photos
            .iter()
            .flat_map(|p| &p.faces)
            .all(|f| f.person.is_none()));
        let json = String::from_utf8(serde_json::to_vec(&index).unwrap()).unwrap();
        assert!(!json.contains("Ann") && !json.contains("Bo"));
        assert_eq!(index.find(&[&e(0.0)]).len(), 3);
        assert!(index.names_in(&index.photos[1]).is_empty());
    }

    #[test]
    fn indexes_round_trip_and_damage_is_an_error() {
        let index = room();
        let bytes = serde_json::to_vec(&index).unwrap();
        assert_eq!(GuestIndex::parse(&bytes).unwrap(), index);
        // A file's time is kept; a gallery made before it was reads without.
        let mut dated = index.clone();
        dated.photos[0].modified = Some(WallTime(1_700_000_000_000.0));
        let bytes = serde_json::to_vec(&dated).unwrap();
        assert!(String::from_utf8_lossy(&bytes).contains("\"modified\":1700000000000"));
        assert_eq!(GuestIndex::parse(&bytes).unwrap(), dated);
        assert!(
            !String::from_utf8_lossy(&serde_json::to_vec(&index).unwrap()).contains("modified")
        );
        let mut short = index.clone();
        short.photos[0].faces[0].embedding = Embedding::new(vec![0.0; 3]);
        let bytes = serde_json::to_vec(&short).unwrap();
        assert_eq!(GuestIndex::parse(&bytes), Err(GalleryError::DamagedIndex));
        let mut escaping = index;
        escaping.photos[0].original.file = "../../etc/passwd".into();
        let bytes = serde_json::to_vec(&escaping).unwrap();
        assert_eq!(GuestIndex::parse(&bytes), Err(GalleryError::DamagedIndex));
        assert_eq!(
            GuestIndex::parse(b"\x00garbage"),
            Err(GalleryError::DamagedIndex)
        );
    }

    #[test]
    fn headers_are_checked() {
        let header = GalleryHeader::new(&[7; SALT_BYTES], vec!["lock-1.bin".into()]);
        let bytes = serde_json::to_vec(&header).unwrap();
        let (read, salt) = GalleryHeader::parse(&bytes).unwrap();
        assert_eq!(read, header);
        assert_eq!(salt, vec![7; SALT_BYTES]);
        let mut weak = header.clone();
        weak.kdf.iterations = 1000;
        let bytes = serde_json::to_vec(&weak).unwrap();
        assert_eq!(GalleryHeader::parse(&bytes), Err(GalleryError::NotAGallery));
        let mut newer = header;
        newer.version = VERSION + 1;
        let bytes = serde_json::to_vec(&newer).unwrap();
        assert_eq!(
            GalleryHeader::parse(&bytes),
            Err(GalleryError::Newer(VERSION + 1))
        );
        assert_eq!(GalleryHeader::parse(b"{}"), Err(GalleryError::NotAGallery));
    }

    #[test]
    fn codes_ignore_case_spaces_and_dashes_and_must_be_long_enough() {
        assert_eq!(normalise_code(" K7QX-m2pa 9fzt ").unwrap(), "k7qxm2pa9fzt");
        assert_eq!(normalise_code("abc-def"), Err(GalleryError::ShortCode));
        assert_eq!(normalise_code("password"), Err(GalleryError::ShortCode));
        let code = code_from(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]);
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        assert!(!code.contains(['0', 'o', '1', 'l', 'i']));
        assert!(normalise_code(&code).is_ok());
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        assert_eq!(to_hex(&[0, 15, 255]), "000fff");
        assert_eq!(from_hex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(from_hex("0g"), None);
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("éé"), None);
    }

    const SW: &str = "// header\nconst PRECACHE = {\"version\":\"abcdef0123456789\",\"dev\":false,\"files\":[[\"app.js\",\"11\"],[\"index.html\",\"22\"]]}; // written by scripts/sw-precache.mjs\nconst X = 1;\n";

    #[test]
    fn the_app_files_come_from_the_service_worker_and_the_gallery_gets_its_own() {
        let files = AppFiles::from_service_worker(SW).unwrap();
        assert_eq!(files.files.len(), 2);
        assert_eq!(files.sha256_of("index.html"), Some("22"));
        let sw = guest_service_worker(SW, &files, "33333333333333333333").unwrap();
        let again = AppFiles::from_service_worker(&sw).unwrap();
        assert_eq!(again.sha256_of("index.html"), Some("33333333333333333333"));
        assert_eq!(again.sha256_of("app.js"), Some("11"));
        assert_eq!(again.version, "abcdef0123456789-g33333333");
        assert!(sw.starts_with("// header\n") && sw.ends_with("const X = 1;\n"));
        let template = "const PRECACHE = null; // written by scripts/sw-precache.mjs";
        assert_eq!(
            AppFiles::from_service_worker(template),
            Err(GalleryError::NoAppFiles)
        );
        let html = guest_index_html(
            "<html><head><title>F</title></head><body data-state=\"loading\"></body></html>",
        )
        .unwrap();
        assert!(html.contains(
            "<meta name=\"facesort-gallery\" content=\"gallery/gallery.json\">\n</head>"
        ));
        // The note for a page opened from disk is the body's first child.
        assert!(
            html.contains("<body data-state=\"loading\">\n<style>"),
            "{html}"
        );
        assert!(html.contains(&format!("<p id=\"{FROM_DISK_NOTE_ID}\"")));
    }
}
