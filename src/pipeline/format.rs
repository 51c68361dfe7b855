//! What a file is, from its first bytes: the formats Facesort decodes, and the
//! photo formats people have that it does not (so they are named, not called
//! "not a photo"). File names lie (a `.jpg` that is text, a HEIC renamed
//! `.jpg` by a phone's export); the bytes do not.

/// A file's kind, as its header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// One of the formats Facesort's decoder reads.
    Readable(&'static str),
    /// A photo in a format Facesort's decoder does not read.
    Other(OtherPhoto),
    /// Not a photo at all (text, a video, a document, …).
    NotAPhoto,
}

/// Photo formats that are recognised but not decoded by Facesort itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OtherPhoto {
    /// iPhones' default. Safari decodes it; elsewhere it is refused by name.
    #[error(
        "HEIC photos cannot be read here yet: export them as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible)"
    )]
    Heic,
    /// Browsers decode it; the command line does not.
    #[error(
        "AVIF photos cannot be read here: open them in the Facesort page, or export them as JPEG"
    )]
    Avif,
    #[error("{0} is a camera RAW format, which Facesort does not read: export the photo as JPEG")]
    Raw(&'static str),
    #[error("TIFF images are not read: export them as JPEG")]
    Tiff,
}

/// Sniffs a file's kind from its first bytes (16 are enough for all but the
/// TIFF-based RAW formats, which look a little further for their maker).
pub fn sniff(bytes: &[u8]) -> FileKind {
    use FileKind::*;
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Readable("JPEG")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Readable("PNG")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Readable("GIF")
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Readable("WebP")
    } else if bytes.get(4..8) == Some(b"ftyp") {
        iso_media(bytes)
    } else if starts(b"FUJIFILMCCD-RAW") {
        Other(OtherPhoto::Raw("RAF"))
    } else if starts(b"IIRO") || starts(b"IIRS") || starts(b"MMOR") {
        Other(OtherPhoto::Raw("ORF"))
    } else if starts(b"IIU\0") {
        Other(OtherPhoto::Raw("RW2"))
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Other(tiff_based(bytes))
    } else {
        NotAPhoto
    }
}

/// HEIF-family files (HEIC, AVIF, Canon's CR3, and videos) by their brands.
fn iso_media(bytes: &[u8]) -> FileKind {
    let size = bytes
        .get(0..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(0);
    // The major brand, then the compatible ones (4 bytes of minor version between).
    let brands: Vec<&[u8]> = std::iter::once(8..12)
        .chain(
            (16..size.min(bytes.len()).min(256))
                .step_by(4)
                .map(|i| i..i + 4),
        )
        .filter_map(|r| bytes.get(r))
        .collect();
    let has = |wanted: &[&[u8]]| brands.iter().any(|b| wanted.contains(b));
    if has(&[b"crx "]) {
        FileKind::Other(OtherPhoto::Raw("CR3"))
    } else if has(&[b"avif", b"avis"]) {
        FileKind::Other(OtherPhoto::Avif)
    } else if has(&[
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
    ]) {
        FileKind::Other(OtherPhoto::Heic)
    } else {
        // MP4, MOV and other ISO media: videos, not photos.
        FileKind::NotAPhoto
    }
}

/// TIFF-structured files: most camera RAW formats, told apart by what their
/// headers carry (Canon's signature, DNG's version tag, the maker's name).
fn tiff_based(bytes: &[u8]) -> OtherPhoto {
    if bytes.get(8..10) == Some(b"CR") {
        return OtherPhoto::Raw("CR2");
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    // DNGVersion (tag 0xC612, type BYTE, count 4) as little- or big-endian.
    if contains(&[0x12, 0xC6, 0x01, 0x00, 0x04, 0x00])
        || contains(&[0xC6, 0x12, 0x00, 0x01, 0x00, 0x00])
    {
        OtherPhoto::Raw("DNG")
    } else if contains(b"NIKON") {
        OtherPhoto::Raw("NEF")
    } else if contains(b"SONY") {
        OtherPhoto::Raw("ARW")
    } else if contains(b"PENTAX") {
        OtherPhoto::Raw("PEF")
    } else {
        OtherPhoto::Tiff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len() as u32;
        let mut b = size.to_be_bytes().to_vec();
        b.extend(b"ftyp");
        b.extend(major);
        b.extend([0, 0, 0, 0]);
        compatible.iter().for_each(|c| b.extend(*c));
        b.extend([0u8; 32]);
        b
    }

    #[test]
    fn phone_and_camera_formats_are_named_by_their_headers() {
        use OtherPhoto::*;
        let cases: Vec<(Vec<u8>, FileKind)> = vec![
            (ftyp(b"heic", &[b"mif1", b"heic"]), FileKind::Other(Heic)),
            (
                ftyp(b"mif1", &[b"mif1", b"heic", b"miaf"]),
                FileKind::Other(Heic),
            ),
            (
                ftyp(b"avif", &[b"avif", b"mif1", b"miaf"]),
                FileKind::Other(Avif),
            ),
            // An AVIF may declare mif1 first: its avif brand decides.
            (ftyp(b"mif1", &[b"mif1", b"avif"]), FileKind::Other(Avif)),
            (
                ftyp(b"crx ", &[b"crx ", b"isom"]),
                FileKind::Other(Raw("CR3")),
            ),
            (ftyp(b"isom", &[b"isom", b"mp41"]), FileKind::NotAPhoto),
            (
                b"II*\0\x10\0\0\0CR\x02\0".to_vec(),
                FileKind::Other(Raw("CR2")),
            ),
            (
                [
                    b"II*\0\x08\0\0\0".as_slice(),
                    &[0x12, 0xC6, 0x01, 0x00, 0x04, 0x00],
                ]
                .concat(),
                FileKind::Other(Raw("DNG")),
            ),
            (
                b"MM\0*\0\0\0\x08....NIKON CORPORATION".to_vec(),
                FileKind::Other(Raw("NEF")),
            ),
            (
                b"II*\0\x08\0\0\0....SONY".to_vec(),
                FileKind::Other(Raw("ARW")),
            ),
            (b"II*\0\x08\0\0\0".to_vec(), FileKind::Other(Tiff)),
            (
                b"FUJIFILMCCD-RAW 0201".to_vec(),
                FileKind::Other(Raw("RAF")),
            ),
            (b"\xFF\xD8\xFF\xE0".to_vec(), FileKind::Readable("JPEG")),
            (b"RIFF\0\0\0\0WEBPVP8 ".to_vec(), FileKind::Readable("WebP")),
            (b"hello, this is text".to_vec(), FileKind::NotAPhoto),
            (Vec::new(), FileKind::NotAPhoto),
            (b"\0\0\0\x18ftyp".to_vec(), FileKind::NotAPhoto),
        ];
        for (bytes, kind) in cases {
            assert_eq!(sniff(&bytes), kind, "{:?}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn a_huge_declared_box_size_reads_no_further_than_the_bytes() {
        let mut b = ftyp(b"mif1", &[b"mif1"]);
        b[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(sniff(&b), FileKind::Other(OtherPhoto::Heic));
    }
}
