//! A photo with its faces framed, and the photo viewer.

use super::context::use_app;
use crate::face::geometry::FaceBox;
use crate::people::cluster::PhotoId;
use crate::web::services::views::PhotoView;
use crate::web::services::{download, originals};
use leptos::prelude::*;

/// An image with face boxes drawn over it (only the `boxed` faces when given).
#[component]
pub fn Framed(photo: PhotoView, boxed: Option<Vec<usize>>, src: String) -> impl IntoView {
    let boxes = photo
        .faces
        .iter()
        .enumerate()
        .filter(|(i, _)| boxed.as_ref().is_none_or(|b| b.contains(i)))
        .map(|(_, f)| face_box(&f.bbox, photo.width, photo.height))
        .collect_view();
    view! {
        <span class="framed">
            <img src=src alt="" />
            {boxes}
        </span>
    }
}

fn face_box(b: &FaceBox, w: u32, h: u32) -> impl IntoView {
    let pct = |v: f32, of: u32| format!("{:.2}%", 100.0 * v / of as f32);
    view! {
        <span
            class="face-box"
            data-face-box=""
            style:left=pct(b.left, w)
            style:top=pct(b.top, h)
            style:width=pct(b.width(), w)
            style:height=pct(b.height(), h)
        ></span>
    }
}

#[component]
pub fn PhotoViewer(id: PhotoId) -> impl IntoView {
    let (library, ui) = use_app();
    let photo = library.photo(id);
    // The original file, shown by the browser itself (which applies EXIF
    // orientation), from the library or the folder it stays in; released
    // when the viewer closes. Until then, or if it cannot be read, the
    // thumbnail.
    let src = RwSignal::new(photo.as_ref().map(|p| p.thumb.url()).unwrap_or_default());
    let unreadable = RwSignal::new(None::<String>);
    let made = StoredValue::new(None::<String>);
    if let (Some(original), Some(p)) = (library.original(id), photo.clone()) {
        wasm_bindgen_futures::spawn_local(async move {
            let folders = library.folders().get_untracked();
            match originals::open(&original, &p.name, &folders).await {
                Ok(file) => {
                    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&file) {
                        // The viewer may have closed meanwhile: then nobody would revoke it.
                        if made.try_set_value(Some(url.clone())).is_some() {
                            let _ = web_sys::Url::revoke_object_url(&url);
                        } else {
                            src.set(url);
                        }
                    }
                }
                Err(e) => unreadable.set(Some(e.to_string())),
            }
        });
    }
    on_cleanup(move || {
        if let Some(url) = made.get_value() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });
    let close = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close.get() {
            let _ = b.focus();
        }
    });
    let Some(photo) = photo else {
        return view! { <p>"This photo is no longer available."</p> }.into_any();
    };
    let name = photo.name.clone();
    view! {
        <section class="viewer" role="dialog" aria-label=name.clone()>
            <div class="toolbar">
                <button node_ref=close on:click=move |_| ui.back()>
                    "Close"
                </button>
                <h2>{name.clone()}</h2>
                <button on:click=move |_| wasm_bindgen_futures::spawn_local(
                    download::save_photo(library, id),
                )>"Download photo"</button>
            </div>
            {move || {
                unreadable
                    .get()
                    .map(|why| {
                        view! {
                            <p class="note" role="status">
                                {format!("Showing a preview: {why}.")}
                            </p>
                        }
                    })
            }}
            {move || view! { <Framed photo=photo.clone() boxed=None src=src.get() /> }}
        </section>
    }
    .into_any()
}
