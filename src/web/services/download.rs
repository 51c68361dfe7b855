//! Offering one file as a download: a photo as it was given, or a finished
//! zip (built in [`super::export`]).

use super::error::Problem;
use super::library::Library;
use super::originals;
use crate::people::cluster::PhotoId;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Offers a Blob as a download under `file_name`.
pub fn save(data: &web_sys::Blob, file_name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(data) else {
        return;
    };
    if let Ok(a) = document.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
    }
    // Revoke later: the download may not have started when click() returns.
    let url_later = url.clone();
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url_later);
    })
    .forget();
}

/// The photo exactly as the user gave it, from the library or its folder.
pub async fn save_photo(library: Library, id: PhotoId) {
    let (Some(original), Some(photo)) = (library.original(id), library.photo(id)) else {
        return;
    };
    library.downloading();
    let folders = library.folders().get_untracked();
    match originals::open(&original, &photo.name, &folders).await {
        Ok(file) => save(&file, &photo.name),
        Err(e) => library.report(Problem::Download(e)),
    }
}
