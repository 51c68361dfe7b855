//! People files: the named people saved for another browser or device, and
//! imported here so the same people are named wherever photos of them are.

use super::context::use_app;
use super::words::pack_note;
use crate::web::js::blob;
use crate::web::services::download;
use leptos::ev;
use leptos::prelude::*;

#[component]
pub fn PeopleFiles() -> impl IntoView {
    let (library, _) = use_app();
    let anyone_named = move || {
        library
            .book()
            .with(|b| b.people().any(|p| p.name.is_some()))
    };
    let save = move |_| {
        if let Some(bytes) = library.people_file() {
            download::save(&blob(&bytes, "application/json"), "Facesort people.json");
        }
    };
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let file = input.files().and_then(|f| f.get(0));
        // Cleared so choosing the same file again still fires `change`.
        input.set_value("");
        if let Some(file) = file {
            wasm_bindgen_futures::spawn_local(async move { library.import_people(file).await });
        }
    };
    view! {
        <div class="people-files">
            <Show when=anyone_named>
                <button
                    on:click=save
                    title="Names and a few face descriptors, never photos: import the file in another browser to name the same people there"
                >
                    "Save named people"
                </button>
            </Show>
            <label
                class="button"
                title="A people file saved by Facesort: its people are named here wherever photos of them are"
            >
                "Import people…"
                <input
                    type="file"
                    accept=".json,application/json"
                    aria-label="Import people"
                    on:change=picked
                />
            </label>
            <p role="status" aria-live="polite" data-testid="people-file-note">
                {move || library.pack_note().get().map(|n| pack_note(&n))}
            </p>
        </div>
    }
}
