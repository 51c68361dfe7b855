//! Decoding by the browser's own decoders, in the worker: WebCodecs'
//! `ImageDecoder` for large JPEGs (at a DCT scale, as Facesort's decoder
//! would), `createImageBitmap` for formats only the browser reads and where
//! asked. Each returns `None` where the browser cannot, so Facesort's own
//! decoder decodes the photo or says what is wrong with it.

use crate::pipeline::decode::{
    limit_megapixels, probe, DecodeError, DecodedPhoto, Orientation, PhotoHeader,
};
use crate::pipeline::format::OtherPhoto;
use crate::pipeline::pixels::{pack_rgb, FourBytes};
use crate::web::js::blob;
use image::RgbImage;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;
use web_sys::{
    ImageBitmap, ImageBitmapOptions, ImageDecodeResult, ImageDecoder, ImageDecoderInit,
    ImageOrientation, OffscreenCanvas, OffscreenCanvasRenderingContext2d, ResizeQuality,
    VideoFrame, VideoFrameCopyToOptions, VideoPixelFormat,
};

/// A JPEG decoded by the browser at 1/`denom` of its stored size (`denom`
/// from [`crate::pipeline::decode::ScaledDecode`] or `share_scale`), upright.
/// WebCodecs' `ImageDecoder` decodes a JPEG in the DCT domain when asked for
/// a smaller size (libjpeg-turbo's scaling), which `createImageBitmap`'s
/// resize options do not: a 12-megapixel photo at 1/4 took ~40 ms against
/// ~82 ms for `createImageBitmap` (Chromium 156, AMD EPYC, alone in a
/// worker). Against Facesort's own decoder it saves little CPU (over 1,000
/// phone photos the workers spent 62 ms less per photo, Chromium's threads
/// 52 ms more) but takes decoding off the worker's thread. `None` where the
/// browser has no `ImageDecoder`, cannot decode the photo, or reports an
/// orientation other than the header's.
pub async fn decode_scaled_in_browser(
    file: &Uint8Array,
    header: &PhotoHeader,
    denom: u32,
) -> Option<DecodedPhoto> {
    let (width, height) = (
        header.stored_width.div_ceil(denom),
        header.stored_height.div_ceil(denom),
    );
    let init = ImageDecoderInit::new_with_u8_array(file, "image/jpeg");
    init.set_desired_width(width);
    init.set_desired_height(height);
    init.set_prefer_animation(false);
    // Browsers without WebCodecs' ImageDecoder throw here.
    let decoder = ImageDecoder::new(&init).ok()?;
    let decoded = JsFuture::from(decoder.decode()).await;
    decoder.close();
    let frame = decoded
        .ok()?
        .unchecked_into::<ImageDecodeResult>()
        .get_image();
    let size = visible_size(&frame);
    let rgb = match size {
        Some((width, height)) => frame_rgb(&frame, width, height).await,
        None => None,
    };
    let reports_orientation = reports_orientation(&frame);
    frame.close();
    let (rgb, (stored_width, stored_height)) = (rgb?, size?);
    // ImageDecoder hands over the pixels as stored, and the EXIF orientation
    // as the frame's rotation and flip; a frame that reports none for a photo
    // whose header has one may have been turned already, so it is not used.
    if header.orientation != Orientation::NoTransforms && reports_orientation != Some(true) {
        return None;
    }
    let stored = RgbImage::from_raw(stored_width, stored_height, rgb)?;
    Some(DecodedPhoto::from_stored(header, stored))
}

/// Whether the frame carries an orientation (a rotation or a flip) as
/// metadata; `None` where the browser has no such attributes (read through
/// `Reflect`, as bindings would take a missing one for a value).
fn reports_orientation(frame: &VideoFrame) -> Option<bool> {
    let rotation = Reflect::get(frame, &"rotation".into()).ok()?.as_f64()?;
    let flip = Reflect::get(frame, &"flip".into()).ok()?.as_bool()?;
    Some(rotation != 0.0 || flip)
}

/// The frame's picture size: its coded size may be padded (to even sizes
/// for subsampled chroma).
fn visible_size(frame: &VideoFrame) -> Option<(u32, u32)> {
    let rect = frame.visible_rect()?;
    Some((rect.width() as u32, rect.height() as u32))
}

/// A frame's visible pixels as RGB rows. Copied straight into wasm memory
/// in the frame's own layout where it is a packed 4-byte one (a JPEG from
/// Chromium's `ImageDecoder` is BGRX): asking for RGBA had the browser
/// convert on the worker's thread (14 ms of a phone photo, profiled), and a
/// copy through a JS buffer moved its 12 MB once more (3.6 ms).
async fn frame_rgb(frame: &VideoFrame, width: u32, height: u32) -> Option<Vec<u8>> {
    let len = usize::try_from(width.checked_mul(height)?.checked_mul(4)?).ok()?;
    let options = VideoFrameCopyToOptions::new();
    let order = match frame.format()? {
        VideoPixelFormat::Rgba | VideoPixelFormat::Rgbx => FourBytes::Rgbx,
        VideoPixelFormat::Bgra | VideoPixelFormat::Bgrx => FourBytes::Bgrx,
        _ => {
            options.set_format(VideoPixelFormat::Rgba);
            FourBytes::Rgbx
        }
    };
    let mut pixels = vec![0u8; len];
    copy_to(frame, &mut pixels, &options).await?;
    pack_rgb(&mut pixels, order);
    Some(pixels)
}

/// `frame.copyTo(pixels)` with `options`; `None` unless the browser wrote
/// exactly `pixels.len()` bytes (a layout with padding is not taken).
async fn copy_to(
    frame: &VideoFrame,
    pixels: &mut [u8],
    options: &VideoFrameCopyToOptions,
) -> Option<()> {
    let needed = frame.allocation_size_with_options(options).ok()?;
    if needed as usize != pixels.len() {
        return None;
    }
    // Called through `Reflect` because the binding does not catch: a browser
    // may throw, rather than reject, for a pixel format it cannot convert to.
    let copy_to: Function = Reflect::get(frame, &"copyTo".into())
        .ok()?
        .dyn_into()
        .ok()?;
    // SAFETY: the view is handed to the browser at once, with nothing
    // allocated in between. Should wasm memory grow before the browser
    // writes (Chromium writes before `copyTo` returns), the view is detached
    // and the copy rejects rather than writing elsewhere.
    let view = unsafe { Uint8Array::view_mut_raw(pixels.as_mut_ptr(), pixels.len()) };
    let copied: Promise = copy_to.call2(frame, &view, options).ok()?.dyn_into().ok()?;
    JsFuture::from(copied).await.ok()?;
    Some(())
}

/// Decodes with the browser's own decoder (`createImageBitmap`, EXIF
/// orientation applied, scaled to at most `max_pixels`), after the header
/// has been checked by Facesort's (so errors read the same either way).
/// `Ok(None)`: the browser could not, and Facesort's decoder should.
pub async fn decode_in_browser(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    max_pixels: u64,
) -> Result<Option<DecodedPhoto>, DecodeError> {
    let header = probe(bytes)?;
    let (width, height) = header.working_size(max_pixels);
    let resize = (width, height) != header.upright_size();
    let Some(bitmap) = bitmap(scope, bytes, resize.then_some((width, height))).await else {
        return Ok(None);
    };
    // Where a browser resizes before it orients, the sizes disagree: let
    // Facesort's decoder do it rather than guess.
    let rgba = if (bitmap.width(), bitmap.height()) == (width, height) {
        pixels(&bitmap, width, height)
    } else {
        None
    };
    bitmap.close();
    let Some(rgba) = rgba else { return Ok(None) };
    Ok(RgbImage::from_raw(width, height, rgb(rgba))
        .map(|image| DecodedPhoto::from_upright(&header, image)))
}

/// A photo in a format Facesort's decoder does not read, decoded by the
/// browser if it can (upright, so its pixels are its stored pixels); refused
/// by name if it cannot.
pub(super) async fn decode_other_in_browser(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    max_pixels: u64,
    kind: OtherPhoto,
) -> Result<DecodedPhoto, DecodeError> {
    let refused = || DecodeError::NotRead(kind);
    let format = match kind {
        OtherPhoto::Avif => "AVIF",
        _ => "HEIC",
    };
    let whole = bitmap(scope, bytes, None).await.ok_or_else(refused)?;
    let header = PhotoHeader {
        format,
        stored_width: whole.width(),
        stored_height: whole.height(),
        orientation: Orientation::NoTransforms,
    };
    let limit_mp = limit_megapixels(format);
    if header.stored_width as u64 * header.stored_height as u64 > limit_mp * 1_000_000 {
        whole.close();
        return Err(DecodeError::TooLarge {
            width: header.stored_width,
            height: header.stored_height,
            limit_mp,
        });
    }
    let (width, height) = header.working_size(max_pixels);
    let working = if (width, height) == header.upright_size() {
        whole
    } else {
        whole.close();
        bitmap(scope, bytes, Some((width, height)))
            .await
            .ok_or_else(refused)?
    };
    let rgba = pixels(&working, width, height);
    working.close();
    rgba.and_then(|rgba| RgbImage::from_raw(width, height, rgb(rgba)))
        .map(|image| DecodedPhoto::from_upright(&header, image))
        .ok_or_else(refused)
}

/// The browser's decode of `bytes`, EXIF orientation applied, resized to
/// `size` if given; `None` if the browser cannot decode it.
async fn bitmap(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    size: Option<(u32, u32)>,
) -> Option<ImageBitmap> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    if let Some((width, height)) = size {
        options.set_resize_width(width);
        options.set_resize_height(height);
        options.set_resize_quality(ResizeQuality::High);
    }
    let promise = scope
        .create_image_bitmap_with_blob_and_image_bitmap_options(&blob(bytes, ""), &options)
        .ok()?;
    Some(JsFuture::from(promise).await.ok()?.unchecked_into())
}

fn rgb(mut rgba: Vec<u8>) -> Vec<u8> {
    pack_rgb(&mut rgba, FourBytes::Rgbx);
    rgba
}

/// The bitmap's RGBA pixels, drawn through an `OffscreenCanvas`.
fn pixels(bitmap: &ImageBitmap, width: u32, height: u32) -> Option<Vec<u8>> {
    let canvas = OffscreenCanvas::new(width, height).ok()?;
    let context: OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
        .ok()?;
    let data = context
        .get_image_data(0, 0, width as i32, height as i32)
        .ok()?;
    Some(data.data().0)
}
