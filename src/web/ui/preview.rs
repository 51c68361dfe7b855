//! Images shown from Blobs: each read when it is put on screen and let go
//! when it leaves, so a large library holds no Blob per photo.

use crate::web::services::views::Preview;
use leptos::prelude::*;
use std::future::Future;
use web_sys::{Blob, Url};

/// An object URL for the Blob `load` gives, once it arrives; revoked when
/// the calling component goes (also when it went before the Blob arrived).
pub fn object_url(load: impl Future<Output = Option<Blob>> + 'static) -> Signal<Option<String>> {
    let src = RwSignal::new(None::<String>);
    let made = StoredValue::new(None::<String>);
    wasm_bindgen_futures::spawn_local(async move {
        let Some(blob) = load.await else { return };
        let Ok(url) = Url::create_object_url_with_blob(&blob) else {
            return;
        };
        // Gone meanwhile: then nobody else would revoke it.
        if made.try_set_value(Some(url.clone())).is_some() {
            let _ = Url::revoke_object_url(&url);
        } else {
            src.set(Some(url));
        }
    });
    on_cleanup(move || {
        if let Some(url) = made.try_get_value().flatten() {
            let _ = Url::revoke_object_url(&url);
        }
    });
    src.into()
}

/// A thumbnail or face crop. Until it is read, or if it cannot be, the image
/// has no source and shows as an empty tile.
#[component]
pub fn PreviewImage(preview: Preview) -> impl IntoView {
    let src = object_url(async move { preview.image().await.ok() });
    view! { <img src=src alt="" /> }
}
