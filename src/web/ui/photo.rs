//! A photo with its faces framed, and the photo viewer.

use super::context::use_app;
use crate::face::geometry::FaceBox;
use crate::people::cluster::PhotoId;
use crate::web::services::download;
use crate::web::services::views::PhotoView;
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
    // orientation); released when the viewer closes.
    let url = library
        .file(id)
        .and_then(|f| web_sys::Url::create_object_url_with_blob(&f).ok())
        .unwrap_or_default();
    let revoke = url.clone();
    on_cleanup(move || {
        let _ = web_sys::Url::revoke_object_url(&revoke);
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
                <button on:click=move |_| download::save_photo(
                    library,
                    id,
                )>"Download photo"</button>
            </div>
            <Framed photo=photo.clone() boxed=None src=url />
        </section>
    }
    .into_any()
}
