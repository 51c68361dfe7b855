//! "Share a gallery": the organiser picks a code and exports a sealed
//! find-yourself gallery (see `services::gallery`); the page then shows the
//! codes to hand out, which are never written into the gallery.

use super::context::use_app;
use super::words::{photo_count, sentence};
use crate::web::js::blob;
use crate::web::services::crypto::random_bytes;
use crate::web::services::download;
use crate::web::services::export::Exports;
use crate::web::services::gallery::{self, GalleryMade, GalleryOptions};
use crate::web::services::store::bytes;
use crate::web::services::views::Phase;
use crate::wire::export::safe_name;
use crate::wire::gallery::{code_from, normalise_code, MIN_CODE_CHARS};
use leptos::ev;
use leptos::prelude::*;

fn fresh_code() -> String {
    random_bytes(16).map(|r| code_from(&r)).unwrap_or_default()
}

/// The codes as a text file for the organiser (kept apart from the gallery),
/// named for the gallery they open: an organiser may make several.
fn codes_text(made: &Made) -> String {
    let Made { title, room, made } = made;
    let mut text = match title.as_str() {
        "" => "Facesort gallery codes".to_string(),
        title => format!("Facesort gallery codes: {title}"),
    };
    text.push_str(&format!("\n\nRoom (everyone): {room}\n"));
    if !made.albums.is_empty() {
        text.push_str("\nAlbums (one person's photos each):\n");
        for (name, code) in &made.albums {
            text.push_str(&format!("{name}: {code}\n"));
        }
    }
    text
}

/// A gallery just exported, and the codes that open it.
#[derive(Clone)]
struct Made {
    title: String,
    room: String,
    made: GalleryMade,
}

#[component]
pub fn ShareGallery() -> impl IntoView {
    let (library, _) = use_app();
    let exports = expect_context::<Exports>();
    let title = RwSignal::new(String::from("Our photos"));
    let code = RwSignal::new(fresh_code());
    let names = RwSignal::new(false);
    let albums = RwSignal::new(false);
    let made = RwSignal::new(None::<Made>);
    let anyone_named = move || {
        library
            .book()
            .with(|b| b.people().any(|p| p.name.is_some() && !p.hidden))
    };
    // Said beside the field, before anything is made (not as a failed
    // download far above the form).
    let code_error = RwSignal::new(None::<String>);
    let code_field = NodeRef::<leptos::html::Input>::new();
    let export = move |e: ev::SubmitEvent| {
        e.prevent_default();
        made.set(None);
        if let Err(why) = normalise_code(&code.get_untracked()) {
            code_error.set(Some(why.to_string()));
            if let Some(field) = code_field.get_untracked() {
                let _ = field.focus();
            }
            return;
        }
        code_error.set(None);
        let options = GalleryOptions {
            title: title.get_untracked(),
            code: code.get_untracked(),
            names: names.get_untracked(),
            albums: albums.get_untracked(),
        };
        let room = options.code.trim().to_string();
        let title = options.title.trim().to_string();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(m) = gallery::export(library, exports, options).await {
                made.set(Some(Made {
                    title,
                    room,
                    made: m,
                }));
            }
        });
    };
    let save_codes = move |_| {
        if let Some(m) = made.get_untracked() {
            let text = codes_text(&m);
            // Named for the gallery, as an organiser may keep several.
            let file = match m.title.as_str() {
                "" => "Facesort gallery codes.txt".to_string(),
                title => format!("Facesort gallery codes ({}).txt", safe_name(title)),
            };
            download::save(&blob(text.as_bytes(), "text/plain"), &file);
        }
    };
    view! {
        <Show when=move || library.phase().get() == Phase::Done>
            <details class="share">
                <summary>"Share a gallery…"</summary>
                <p class="hint">
                    "A folder to put on any web host: guests type a code, take a selfie, and get the photos they are in. Photos, faces and names are encrypted with the code; the host sees none of them, and guests' selfies never leave their device."
                </p>
                <form on:submit=export aria-label="Share a gallery">
                    <label>
                        "Gallery title " <input type="text" bind:value=title maxlength="80" />
                    </label>
                    <label>
                        {format!("Room code (at least {MIN_CODE_CHARS} letters or digits) ")}
                        <input
                            type="text"
                            node_ref=code_field
                            bind:value=code
                            autocomplete="off"
                            spellcheck="false"
                            aria-invalid=move || code_error.with(Option::is_some).then_some("true")
                            aria-describedby="room-code-error"
                            on:input=move |_| code_error.set(None)
                        />
                    </label>
                    <span id="room-code-error" class="error">
                        {move || code_error.get().map(|why| sentence(&why))}
                    </span>
                    <button type="button" on:click=move |_| code.set(fresh_code())>
                        "New code"
                    </button>
                    <label>
                        <input type="checkbox" bind:checked=names />
                        " Put people's names in it"
                    </label>
                    <Show when=anyone_named>
                        <label>
                            <input type="checkbox" bind:checked=albums />
                            " Also an album for each named person, with its own code"
                        </label>
                    </Show>
                    <button type="submit">"Export gallery (zip)"</button>
                </form>
                <div role="status" aria-live="polite" data-testid="gallery-made">
                    {move || {
                        made.get()
                            .map(|Made { room, made: m, .. }| {
                                let albums = m.albums.clone();
                                view! {
                                    <p>
                                        {format!(
                                            "Gallery saved: {} ({}). Guests open it and type the room code {room}. Keep the code apart from the gallery: it is not in it.",
                                            photo_count(m.photos),
                                            bytes(m.bytes as f64),
                                        )}
                                    </p>
                                    <Show when={
                                        let any = !albums.is_empty();
                                        move || any
                                    }>
                                        <ul aria-label="Album codes">
                                            {albums
                                                .iter()
                                                .map(|(name, code)| {
                                                    view! { <li>{format!("{name}: {code}")}</li> }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </Show>
                                    <button on:click=save_codes>"Save the codes"</button>
                                }
                            })
                    }}
                </div>
            </details>
        </Show>
    }
}
