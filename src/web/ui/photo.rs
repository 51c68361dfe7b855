//! A photo with its faces framed, and the photo viewer.

use super::context::use_app;
use super::preview::object_url;
use crate::face::geometry::FaceBox;
use crate::people::cluster::PhotoId;
use crate::web::services::views::PhotoView;
use crate::web::services::{download, originals};
use leptos::prelude::*;

/// An image with face boxes drawn over it (only the `boxed` faces when given).
#[component]
pub fn Framed(
    photo: PhotoView,
    boxed: Option<Vec<usize>>,
    #[prop(into)] src: Signal<Option<String>>,
) -> impl IntoView {
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

/// The photo's thumbnail, read while the calling component is on screen.
pub fn thumb_url(photo: &PhotoView) -> Signal<Option<String>> {
    let thumb = photo.thumb.clone();
    object_url(async move { thumb.image().await.ok() })
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
    let thumb = photo.as_ref().map(|p| p.thumb.clone());
    let thumb = object_url(async move { thumb?.image().await.ok() });
    let unreadable = RwSignal::new(None::<String>);
    let original = library.original(id);
    let name = photo.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let full = object_url(async move {
        let folders = library.folders().get_untracked();
        match originals::open(&original?, &name, &folders).await {
            Ok(file) => Some(file),
            Err(e) => {
                let _ = unreadable.try_set(Some(e.to_string()));
                None
            }
        }
    });
    let src = Signal::derive(move || full.get().or_else(|| thumb.get()));
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
        <section class="viewer" aria-label=name.clone()>
            <div class="toolbar">
                <button node_ref=close on:click=move |_| ui.back()>
                    "Close"
                </button>
                <h2 tabindex="-1">{name.clone()}</h2>
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
            <Framed photo=photo.clone() boxed=None src=src />
        </section>
    }
    .into_any()
}
