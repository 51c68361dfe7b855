//! Building downloads: zip archives of photos as they are (stored, never
//! recompressed), and the folder and file names inside them.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write the zip file: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("could not write the zip file: {0}")]
    Io(#[from] std::io::Error),
}

/// A file or folder name that is safe on every common file system: no path
/// separators or reserved characters, no leading dots, never empty.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Hands out file names within one folder, numbering repeats (`a.jpg`,
/// `a-2.jpg`, …) so two photos called `IMG_0001.jpg` both survive.
/// Comparison ignores case, as many file systems do.
#[derive(Default)]
pub struct UniqueNames {
    used: BTreeSet<String>,
}

impl UniqueNames {
    pub fn claim(&mut self, file_name: &str) -> String {
        let name = safe_name(file_name);
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => (&name[..i], &name[i..]),
            _ => (name.as_str(), ""),
        };
        let mut candidate = name.clone();
        let mut n = 2;
        while !self.used.insert(candidate.to_lowercase()) {
            candidate = format!("{stem}-{n}{ext}");
            n += 1;
        }
        candidate
    }
}

/// Writes a zip in memory. Every entry is stored: photos are already
/// compressed, and storing keeps a download byte-identical to the originals.
pub struct ZipBuilder {
    writer: ZipWriter<Cursor<Vec<u8>>>,
    folders: std::collections::BTreeMap<String, UniqueNames>,
}

impl Default for ZipBuilder {
    fn default() -> Self {
        Self {
            writer: ZipWriter::new(Cursor::new(Vec::new())),
            folders: Default::default(),
        }
    }
}

impl ZipBuilder {
    /// Adds `bytes` as `folder/file_name` (or at the top level for an empty
    /// folder), renaming on collision; returns the path used.
    pub fn add(
        &mut self,
        folder: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, ExportError> {
        let folder = if folder.is_empty() {
            String::new()
        } else {
            safe_name(folder)
        };
        let name = self
            .folders
            .entry(folder.clone())
            .or_default()
            .claim(file_name);
        let path = if folder.is_empty() {
            name
        } else {
            format!("{folder}/{name}")
        };
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        self.writer.start_file(path.as_str(), options)?;
        self.writer.write_all(bytes)?;
        Ok(path)
    }

    pub fn finish(self) -> Result<Vec<u8>, ExportError> {
        Ok(self.writer.finish()?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_and_unique() {
        assert_eq!(safe_name("Anna/Bob: 2024?"), "Anna_Bob_ 2024_");
        assert_eq!(safe_name("..hidden"), "hidden");
        assert_eq!(safe_name("   "), "unnamed");
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("IMG_1.jpg"), "IMG_1.jpg");
        assert_eq!(names.claim("img_1.JPG"), "img_1-2.JPG");
        assert_eq!(names.claim("IMG_1.jpg"), "IMG_1-3.jpg");
        assert_eq!(names.claim("README"), "README");
        assert_eq!(names.claim("README"), "README-2");
    }

    #[test]
    fn zip_stores_entries_byte_for_byte_in_folders() {
        let photo: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut zip = ZipBuilder::default();
        assert_eq!(
            zip.add("Person 1", "a.jpg", &photo).unwrap(),
            "Person 1/a.jpg"
        );
        assert_eq!(
            zip.add("Person 1", "a.jpg", b"other").unwrap(),
            "Person 1/a-2.jpg"
        );
        assert_eq!(
            zip.add("no-faces", "a.jpg", b"x").unwrap(),
            "no-faces/a.jpg"
        );
        assert_eq!(zip.add("", "top.png", b"y").unwrap(), "top.png");
        let bytes = zip.finish().unwrap();

        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(archive.len(), 4);
        let mut entry = archive.by_name("Person 1/a.jpg").unwrap();
        assert_eq!(entry.compression(), CompressionMethod::Stored);
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut back).unwrap();
        assert_eq!(back, photo);
        drop(entry);

        // The archive is valid for the standard tool too, where it exists.
        if let Ok(out) = std::process::Command::new("unzip").arg("-v").output() {
            if out.status.success() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("t.zip");
                std::fs::write(&path, &bytes).unwrap();
                let test = std::process::Command::new("unzip")
                    .arg("-t")
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(
                    test.status.success(),
                    "{}",
                    String::from_utf8_lossy(&test.stdout)
                );
            }
        }
    }
}
