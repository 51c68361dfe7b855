//! Photo bytes → an upright RGB working image, with typed errors for bad input.
//!
//! The working image is capped at [`DecodeOptions::max_pixels`]: faces are
//! detected at under a megapixel and embedded from 150-pixel chips, so more
//! resolution costs memory without helping. Oversized JPEGs are shrunk inside the
//! decoder (DCT scaling) so a 100-megapixel photo never exists at full size.

use crate::face::geometry::{DetectedFace, Point};
use crate::pipeline::format::{sniff, FileKind, OtherPhoto};
pub use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("not a photo Facesort can read")]
    UnsupportedFormat,
    /// A photo format recognised but not decoded here (HEIC, RAW, …).
    #[error(transparent)]
    NotRead(#[from] OtherPhoto),
    #[error("the {format} data is corrupt or truncated ({detail})")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error("{width} × {height} pixels is more than Facesort reads ({limit_mp} megapixels)")]
    TooLarge {
        width: u32,
        height: u32,
        limit_mp: u64,
    },
}

impl DecodeError {
    /// A decoder's complaint about damaged data, in words a user can act on:
    /// running out of data is said plainly; anything else is the decoder's
    /// message on one line, without its "Format error decoding …:" prefix.
    pub fn corrupt(format: &'static str, detail: impl std::fmt::Display) -> DecodeError {
        let raw = detail.to_string();
        let lower = raw.to_lowercase();
        let ran_out = [
            "not enough bytes",
            "eof",
            "end of file",
            "unexpected end",
            "truncated",
        ]
        .iter()
        .any(|s| lower.contains(s));
        let detail = if ran_out {
            "the file ends before the image does".to_string()
        } else {
            let words = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            match words.split_once(": ") {
                Some((head, rest)) if head.starts_with("Format error") => rest.to_string(),
                _ => words,
            }
        };
        DecodeError::Corrupt { format, detail }
    }
}

/// What the `image` crate's failure says of the photo: damaged data, or
/// `None` when it hit the memory limit (the photo is too large: the caller
/// says how large).
fn damaged(format: &'static str, e: ImageError) -> Option<DecodeError> {
    match e {
        ImageError::Limits(_) => None,
        other => Some(DecodeError::corrupt(format, other)),
    }
}

#[derive(Clone, Copy, Debug)]
pub struct DecodeOptions {
    /// Largest working image, in pixels; bigger photos are downscaled to fit.
    pub max_pixels: u64,
    /// Decode a large JPEG small first (DCT scaling) to find its faces, and
    /// at a larger size only if a face needs it (see [`preview`]).
    pub preview: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        // 16 MP keeps typical phone photos (12 MP) at full resolution.
        Self {
            max_pixels: 16_000_000,
            preview: true,
        }
    }
}

/// A decoded photo: the upright working image plus what is needed to map
/// coordinates back to the file as stored.
#[derive(Clone, Debug)]
pub struct DecodedPhoto {
    /// Upright (EXIF orientation applied), possibly downscaled.
    pub image: RgbImage,
    pub format: &'static str,
    /// Size as stored in the file, before orientation.
    pub stored_width: u32,
    pub stored_height: u32,
    pub orientation: Orientation,
}

impl DecodedPhoto {
    /// Full-resolution size once upright.
    pub fn upright_size(&self) -> (u32, u32) {
        if swaps_axes(self.orientation) {
            (self.stored_height, self.stored_width)
        } else {
            (self.stored_width, self.stored_height)
        }
    }

    /// Working-image pixels per full-resolution pixel (≤ 1).
    pub fn scale(&self) -> f32 {
        self.image.width() as f32 / self.upright_size().0 as f32
    }

    /// Maps a working-image point to full-resolution upright coordinates.
    pub fn to_upright(&self, p: Point) -> Point {
        let s = self.scale();
        Point::new(p.x / s, p.y / s)
    }

    /// Maps a working-image point to pixel coordinates of the file as stored
    /// (before EXIF orientation), the convention of the evaluation format.
    pub fn to_stored(&self, p: Point) -> Point {
        let Point { x, y } = self.to_upright(p);
        let (w, h) = (self.stored_width as f32, self.stored_height as f32);
        match self.orientation {
            Orientation::NoTransforms => Point::new(x, y),
            Orientation::Rotate90 => Point::new(y, h - x),
            Orientation::Rotate180 => Point::new(w - x, h - y),
            Orientation::Rotate270 => Point::new(w - y, x),
            Orientation::FlipHorizontal => Point::new(w - x, y),
            Orientation::FlipVertical => Point::new(x, h - y),
            Orientation::Rotate90FlipH => Point::new(y, x),
            Orientation::Rotate270FlipH => Point::new(w - y, h - x),
        }
    }

    pub fn face_to_stored(&self, face: &DetectedFace) -> DetectedFace {
        face.map(|p| self.to_stored(p))
    }

    pub fn face_to_upright(&self, face: &DetectedFace) -> DetectedFace {
        face.map(|p| self.to_upright(p))
    }

    /// The same photo at half the size, each pixel the mean of the 2 × 2
    /// under it (as a JPEG's DCT scaling gives): the size a decode at the
    /// next DCT scale down would have.
    pub fn halved(&self) -> DecodedPhoto {
        DecodedPhoto {
            image: crate::pipeline::resize::halve_rgb(&self.image),
            format: self.format,
            stored_width: self.stored_width,
            stored_height: self.stored_height,
            orientation: self.orientation,
        }
    }
}

fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Decodes JPEG, PNG, WebP or GIF (first frame) bytes.
/// What a photo's header says, checked before any pixel is decoded: the
/// format, the stored size and the EXIF orientation. A decoder elsewhere (the
/// browser's) can then decode at [`PhotoHeader::working_size`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhotoHeader {
    pub format: &'static str,
    pub stored_width: u32,
    pub stored_height: u32,
    pub orientation: Orientation,
}

impl PhotoHeader {
    pub fn upright_size(&self) -> (u32, u32) {
        if swaps_axes(self.orientation) {
            (self.stored_height, self.stored_width)
        } else {
            (self.stored_width, self.stored_height)
        }
    }

    /// The upright size to decode at: full size, or scaled to `max_pixels`.
    pub fn working_size(&self, max_pixels: u64) -> (u32, u32) {
        let (w, h) = self.upright_size();
        let pixels = w as u64 * h as u64;
        if pixels <= max_pixels {
            return (w, h);
        }
        let s = (max_pixels as f64 / pixels as f64).sqrt();
        (
            ((w as f64 * s) as u32).max(1),
            ((h as f64 * s) as u32).max(1),
        )
    }
}

impl DecodedPhoto {
    /// A photo decoded elsewhere (by the browser) at any size, as stored:
    /// the header's orientation is applied here.
    pub fn from_stored(header: &PhotoHeader, stored: RgbImage) -> DecodedPhoto {
        let mut upright = DynamicImage::ImageRgb8(stored);
        upright.apply_orientation(header.orientation);
        let image = match upright {
            DynamicImage::ImageRgb8(image) => image,
            other => other.to_rgb8(),
        };
        DecodedPhoto::from_upright(header, image)
    }

    /// A photo decoded upright elsewhere (by the browser) at any size.
    pub fn from_upright(header: &PhotoHeader, image: RgbImage) -> DecodedPhoto {
        DecodedPhoto {
            image,
            format: header.format,
            stored_width: header.stored_width,
            stored_height: header.stored_height,
            orientation: header.orientation,
        }
    }
}

/// Reads and checks a photo's header (empty, not a photo, zero-sized,
/// truncated JPEG: the same typed errors as [`decode_photo`]).
pub fn probe(bytes: &[u8]) -> Result<PhotoHeader, DecodeError> {
    open(bytes).map(|(header, _)| header)
}

/// The largest photo read, by format, in megapixels. JPEGs are decoded
/// DCT-scaled to the working size, so a 250 MP one costs little; other formats
/// are decoded whole first (a 120 MP RGBA PNG is 480 MB). Beyond these a file
/// is refused from its header, before any pixel is decoded: a few hundred
/// kilobytes of PNG can declare 30,000 × 30,000 zero pixels (a "bomb").
pub fn limit_megapixels(format: &str) -> u64 {
    match format {
        "JPEG" => 250,
        _ => 120,
    }
}

/// What any one decoder may allocate: a 120 MP RGBA image and some.
const MAX_DECODER_ALLOC: u64 = 640 * 1024 * 1024;

fn open(bytes: &[u8]) -> Result<(PhotoHeader, impl ImageDecoder + '_), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let (format, image_format) = match sniff(bytes) {
        FileKind::Readable("JPEG") => ("JPEG", ImageFormat::Jpeg),
        FileKind::Readable("PNG") => ("PNG", ImageFormat::Png),
        FileKind::Readable("WebP") => ("WebP", ImageFormat::WebP),
        FileKind::Readable("GIF") => ("GIF", ImageFormat::Gif),
        FileKind::Other(other) => return Err(other.into()),
        FileKind::Readable(_) | FileKind::NotAPhoto => return Err(DecodeError::UnsupportedFormat),
    };
    // Refused before a decoder exists: on wasm32 some decoders fail to even
    // open a bomb (its buffer size overflows), hiding the size from the sentence.
    if let Some((width, height)) = declared_size(bytes, format) {
        let limit_mp = limit_megapixels(format);
        if width as u64 * height as u64 > limit_mp * 1_000_000 {
            return Err(DecodeError::TooLarge {
                width,
                height,
                limit_mp,
            });
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| {
        damaged(format, e).unwrap_or_else(|| too_large_by_header(bytes, image_format, format))
    })?;
    let (stored_width, stored_height) = decoder.dimensions();
    if stored_width == 0 || stored_height == 0 {
        return Err(DecodeError::Corrupt {
            format,
            detail: "zero-sized image".into(),
        });
    }
    let limit_mp = limit_megapixels(format);
    if stored_width as u64 * stored_height as u64 > limit_mp * 1_000_000 {
        return Err(DecodeError::TooLarge {
            width: stored_width,
            height: stored_height,
            limit_mp,
        });
    }
    if format == "JPEG" && !jpeg_is_complete(bytes) {
        return Err(DecodeError::Corrupt {
            format,
            detail: "the file ends before the image does".into(),
        });
    }
    // A missing or malformed orientation tag is common and harmless: show as stored.
    let mut decoder = decoder;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let header = PhotoHeader {
        format,
        stored_width,
        stored_height,
        orientation,
    };
    Ok((header, decoder))
}

/// The size a PNG (IHDR) or GIF (logical screen) declares, read from the
/// fixed place it has in the file.
fn declared_size(bytes: &[u8], format: &str) -> Option<(u32, u32)> {
    let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let le16 = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as u32);
    match format {
        "PNG" if bytes.get(12..16) == Some(b"IHDR") => Some((be(16)?, be(20)?)),
        "GIF" => Some((le16(6)?, le16(8)?)),
        _ => None,
    }
}

/// A decoder refused the header's size on its own (its allocation limit):
/// the size, read without limits (only the header is read), for the sentence.
fn too_large_by_header(
    bytes: &[u8],
    image_format: ImageFormat,
    format: &'static str,
) -> DecodeError {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.no_limits();
    match reader.into_dimensions() {
        Ok((width, height)) => DecodeError::TooLarge {
            width,
            height,
            limit_mp: limit_megapixels(format),
        },
        Err(_) => DecodeError::Corrupt {
            format,
            detail: "its header asks for more memory than a photo needs".into(),
        },
    }
}

pub fn decode_photo(bytes: &[u8], options: &DecodeOptions) -> Result<DecodedPhoto, DecodeError> {
    let (header, decoder) = open(bytes)?;
    let PhotoHeader {
        format,
        stored_width,
        stored_height,
        orientation,
    } = header;
    let too_large = DecodeError::TooLarge {
        width: stored_width,
        height: stored_height,
        limit_mp: limit_megapixels(format),
    };
    let pixels = stored_width as u64 * stored_height as u64;

    let rgb = if format == "JPEG" && pixels > options.max_pixels {
        decode_jpeg_scaled(bytes, (stored_width, stored_height), options.max_pixels)?
    } else {
        let image = DynamicImage::from_decoder(decoder)
            .map_err(|e| damaged(format, e).unwrap_or(too_large.clone()))?;
        into_rgb(image)
    };
    let rgb = shrink_to_fit(rgb, options.max_pixels);
    let mut upright = DynamicImage::ImageRgb8(rgb);
    upright.apply_orientation(orientation);
    let DynamicImage::ImageRgb8(image) = upright else {
        unreachable!("orientation keeps the pixel type")
    };
    Ok(DecodedPhoto {
        image,
        format,
        stored_width,
        stored_height,
        orientation,
    })
}

/// Sized up front: a collected iterator would grow by doubling and briefly hold
/// half as much again as the result.
fn grey_to_rgb(grey: impl Iterator<Item = u8>, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len * 3);
    grey.for_each(|l| out.extend([l, l, l]));
    out
}

fn into_rgb(image: DynamicImage) -> RgbImage {
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    }
}

/// Downscales (area-averaging) so the image has at most `max_pixels` pixels.
fn shrink_to_fit(image: RgbImage, max_pixels: u64) -> RgbImage {
    let (w, h) = image.dimensions();
    let pixels = w as u64 * h as u64;
    if pixels <= max_pixels {
        return image;
    }
    let f = (max_pixels as f64 / pixels as f64).sqrt();
    let (nw, nh) = (
        ((w as f64 * f).floor() as u32).max(1),
        ((h as f64 * f).floor() as u32).max(1),
    );
    crate::pipeline::resize::resize_rgb(&image, nw, nh)
}

/// Whether a JPEG stream ends its last scan with an end-of-image marker.
/// Decoders fill a cut-off file with grey and report success; a truncated
/// download or copy must be reported instead. Inside entropy-coded data `FF`
/// is always followed by `00` or a restart marker, so `FF D9` after the last
/// start-of-scan can only be the real end (trailing bytes after it are fine).
/// (`memchr`'s vectorised byte searches: a byte-pair window over a phone
/// photo took ~6 ms in the worker, and a reverse substring search, which is
/// not vectorised, ~4 ms.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = memchr::memrchr_iter(0xDA, bytes).find(|&i| i > 0 && bytes[i - 1] == 0xFF);
    let Some(last_scan) = last_scan else {
        return false;
    };
    memchr::memmem::find(&bytes[last_scan - 1..], &[0xFF, 0xD9]).is_some()
}

/// Decodes a JPEG of `width` × `height` at 1/2, 1/4 or 1/8 scale in the DCT
/// domain, choosing the largest scale that still yields at least `max_pixels`
/// (the remainder is resized afterwards), so memory never approaches the
/// full-size image.
fn decode_jpeg_scaled(
    bytes: &[u8],
    (width, height): (u32, u32),
    max_pixels: u64,
) -> Result<RgbImage, DecodeError> {
    let mut denom = 1u32;
    let (w, h) = (width as u64, height as u64);
    while denom < 8 && (w / (denom as u64 * 2)) * (h / (denom as u64 * 2)) >= max_pixels {
        denom *= 2;
    }
    decode_jpeg_at(bytes, denom)
}

// ---- decoding at the sizes needed -------------------------------------------

/// The smallest a preview's longer side may be, as a share of the detector's
/// input side: YuNet scales a photo to that side anyway, so a preview about
/// that large finds the same faces.
const PREVIEW_SIDE_SHARE: f32 = 0.9;

/// How a large JPEG is first decoded: at 1/`decode` of its size in the DCT
/// domain (several times faster than decoding it whole, and a fraction of
/// the memory), its faces looked for at 1/`preview` ([`preview_scale`]).
/// Where the preview is a quarter of the photo or less, the photo is decoded
/// at twice the preview's size and halved for the detector: entropy decoding,
/// the same at every scale, is most of a JPEG's decoding (a 12-megapixel
/// photo in Chromium's worker: 35 ms at 1/4, 42 ms at 1/2), and the faces of
/// most phone photos need the larger size for their chips anyway (74 of 100
/// `make_phone_set.py` photos), which a preview alone would decode again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaledDecode {
    pub decode: u32,
    pub preview: u32,
}

impl ScaledDecode {
    /// The plan for a photo, or `None` where it is not a JPEG large enough
    /// to gain from scaled decoding. The working-size cap holds for the
    /// larger decode too.
    pub fn for_photo(
        header: &PhotoHeader,
        options: &DecodeOptions,
        detect_side: u32,
    ) -> Option<Self> {
        let preview = preview_scale(header, detect_side)?;
        // Twice the preview's share, at the DCT scale (working-size cap
        // included) any decode for a share gets; never smaller than the
        // preview itself.
        let decode = match preview {
            4.. => share_scale(header, options, 2.0 / preview as f32)
                .map_or(preview, |denom| denom.min(preview)),
            _ => preview,
        };
        Some(Self { decode, preview })
    }
}

/// A large JPEG decoded as [`ScaledDecode`] says, with how; `None` for other
/// formats and photos not large enough to gain from it.
pub fn first_decode(
    bytes: &[u8],
    options: &DecodeOptions,
    detect_side: u32,
) -> Result<Option<(DecodedPhoto, ScaledDecode)>, DecodeError> {
    if !options.preview {
        return Ok(None);
    }
    let (header, _) = open(bytes)?;
    match ScaledDecode::for_photo(&header, options, detect_side) {
        Some(plan) => Ok(Some((scaled_jpeg(bytes, header, plan.decode)?, plan))),
        None => Ok(None),
    }
}

/// The DCT scale (2, 4 or 8: the photo is decoded at 1/`denom`) of a JPEG's
/// preview for a detector of `detect_side` pixels: as small as still gives a
/// longer side of about `detect_side`; `None` for other formats and photos
/// not large enough to gain from it. A decoder elsewhere (the browser's)
/// decodes at the same scale.
pub fn preview_scale(header: &PhotoHeader, detect_side: u32) -> Option<u32> {
    if header.format != "JPEG" {
        return None;
    }
    let long = header.stored_width.max(header.stored_height) as f32;
    let min_side = detect_side as f32 * PREVIEW_SIDE_SHARE;
    let mut denom = 1;
    while denom < 8 && long / (denom * 2) as f32 >= min_side {
        denom *= 2;
    }
    (denom > 1).then_some(denom)
}

/// The photo decoded with at least `share` of its full resolution (in
/// width): a JPEG at the smallest DCT scale that gives it, anything else (or
/// `share` ≥ 1/2) as [`decode_photo`] does.
pub fn decode_with_share(
    bytes: &[u8],
    options: &DecodeOptions,
    share: f32,
) -> Result<DecodedPhoto, DecodeError> {
    let (header, _) = open(bytes)?;
    match share_scale(&header, options, share) {
        Some(denom) => scaled_jpeg(bytes, header, denom),
        None => decode_photo(bytes, options),
    }
}

/// The DCT scale (2, 4 or 8) at which a JPEG has at least `share` of its
/// full resolution within the working-size cap, as [`decode_with_share`]
/// decodes it; `None` where it is decoded whole (other formats, or a share
/// of 1/2 or more).
pub fn share_scale(header: &PhotoHeader, options: &DecodeOptions, share: f32) -> Option<u32> {
    let (w, h) = (header.stored_width as u64, header.stored_height as u64);
    let mut denom = 1;
    while denom < 8 && 1.0 / (denom * 2) as f32 >= share {
        denom *= 2;
    }
    // The working-size cap holds here too, whatever the faces would like.
    while denom < 8 && w.div_ceil(denom as u64) * h.div_ceil(denom as u64) > options.max_pixels {
        denom *= 2;
    }
    (header.format == "JPEG" && denom > 1).then_some(denom)
}

fn scaled_jpeg(bytes: &[u8], header: PhotoHeader, denom: u32) -> Result<DecodedPhoto, DecodeError> {
    Ok(DecodedPhoto::from_stored(
        &header,
        decode_jpeg_at(bytes, denom)?,
    ))
}

/// The JPEG decoder's complaint, as the error a user sees.
fn corrupt_jpeg(detail: impl std::fmt::Display) -> DecodeError {
    DecodeError::corrupt("JPEG", detail)
}

/// Decodes a JPEG at 1/`denom` of its size (1, 2, 4 or 8) in the DCT domain.
fn decode_jpeg_at(bytes: &[u8], denom: u32) -> Result<RgbImage, DecodeError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(corrupt_jpeg)?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt_jpeg("missing JPEG header"))?;
    let (w, h) = (info.width as u32, info.height as u32);
    let (rw, rh) = (w.div_ceil(denom) as u16, h.div_ceil(denom) as u16);
    let (sw, sh) = decoder.scale(rw, rh).map_err(corrupt_jpeg)?;
    let data = decoder.decode().map_err(corrupt_jpeg)?;
    let info = decoder
        .info()
        .ok_or_else(|| corrupt_jpeg("missing JPEG header"))?;
    let (sw, sh) = (sw as u32, sh as u32);
    let rgb: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => data,
        jpeg_decoder::PixelFormat::L8 => grey_to_rgb(data.iter().copied(), data.len()),
        jpeg_decoder::PixelFormat::L16 => {
            grey_to_rgb(data.chunks_exact(2).map(|c| c[0]), data.len() / 2)
        }
        // jpeg-decoder hands out Adobe CMYK already inverted back to plain CMYK.
        jpeg_decoder::PixelFormat::CMYK32 => {
            data.chunks_exact(4)
                .fold(Vec::with_capacity(data.len() / 4 * 3), |mut out, c| {
                    let k = 255 - c[3] as u32;
                    out.extend([c[0], c[1], c[2]].map(|v| ((255 - v as u32) * k / 255) as u8));
                    out
                })
        }
    };
    RgbImage::from_raw(sw, sh, rgb)
        .ok_or_else(|| corrupt_jpeg("the decoder returned too few pixels"))
}
