//! The page: header, import, progress, the current screen, and the library
//! footer; it starts the library service and provides it to every component.

use super::context::{correct, use_app, Screen, Ui};
use super::words::photo_count;
use super::{
    album, edits, exports, find, focus, history, import, originals, people, people_files, photo,
    progress,
};
use crate::people::edit::Correction;
use crate::web::services::error::Problem;
use crate::web::services::export::Exports;
use crate::web::services::library::{Library, Settings};
use crate::web::services::views::Phase;
use leptos::ev;
use leptos::prelude::*;

/// Mounts the app, or a guest's page when this `index.html` belongs to an
/// exported gallery (it names the gallery's header in a `<meta>`).
pub fn mount() {
    let gallery = document()
        .query_selector(&format!(
            "meta[name=\"{}\"]",
            crate::wire::gallery::META_NAME
        ))
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"));
    if let Some(header) = gallery {
        return super::guest::mount(header);
    }
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let library = Library::start(Settings::default());
    let ui = Ui::new();
    provide_context(library);
    provide_context(ui);
    provide_context(Exports::default());
    // Tests and the benchmark read the phase from <body data-state>.
    Effect::new(move |_| {
        let phase = library.phase().get();
        if let Some(body) = document().body() {
            let _ = body.dataset().set("state", phase.as_str());
        }
    });
    focus::rescue_lost_focus();
    let _keys = window_event_listener(ev::keydown, move |e| {
        // Typing in a field keeps the browser's own undo (and Escape).
        let typing = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|t| match t.tag_name().as_str() {
                "TEXTAREA" | "SELECT" => true,
                "INPUT" => !matches!(
                    t.get_attribute("type").unwrap_or_default().as_str(),
                    "checkbox" | "radio" | "range" | "button" | "submit" | "file"
                ),
                _ => false,
            });
        let key = e.key().to_lowercase();
        if e.key() == "Escape" {
            if !typing {
                ui.back();
            }
        } else if (e.ctrl_key() || e.meta_key()) && !typing && (key == "z" || key == "y") {
            e.prevent_default();
            let redo = key == "y" || e.shift_key();
            let correction = if redo {
                Correction::Redo
            } else {
                Correction::Undo
            };
            correct(library, correction, |_| {});
        }
    });
    // A file dropped where nothing takes it must not replace the app with
    // the file (the browser's default); the drop zones say they take it.
    let refuse = |e: ev::DragEvent| {
        if !e.default_prevented() {
            e.prevent_default();
            if let Some(t) = e.data_transfer() {
                t.set_drop_effect("none");
            }
        }
    };
    let _over = window_event_listener(ev::dragover, refuse);
    let _drop = window_event_listener(ev::drop, refuse);
    view! {
        <header class="top">
            <h1 tabindex="-1">"Facesort"</h1>
            <p class="tagline">
                "Sort photos by the people in them. Everything happens on this computer: nothing is uploaded."
            </p>
        </header>
        <main>
            // On Find, a dropped selfie is a reference, never a library photo.
            <Show when=move || ui.screen.with(|s| *s != Screen::FindMe)>
                <import::Importer />
            </Show>
            <progress::OpeningNote />
            <import::PendingNote />
            <progress::ProgressPanel />
            <exports::ExportBar />
            {move || {
                library
                    .problem()
                    .get()
                    .map(|p| {
                        let full = matches!(p, Problem::Full { .. });
                        view! {
                            <p class="error" role="alert">
                                {p.to_string()}
                                <Show when=move || {
                                    full
                                }>
                                    " "
                                    <button on:click=move |_| library.retry()>"Try again"</button>
                                </Show>
                            </p>
                        }
                    })
            }}
            <edits::EditBar />
            {move || match ui.screen.get() {
                Screen::People => view! { <people::PeopleGrid /> }.into_any(),
                Screen::Album(id) => {
                    view! { <album::Album of=album::AlbumOf::Person(id) /> }.into_any()
                }
                Screen::NoFaces => view! { <album::Album of=album::AlbumOf::NoFaces /> }.into_any(),
                Screen::OtherFaces => {
                    view! { <album::Album of=album::AlbumOf::OtherFaces /> }.into_any()
                }
                Screen::FindMe => view! { <find::FindMe /> }.into_any(),
                Screen::Photo { photo, .. } => view! { <photo::PhotoViewer id=photo /> }.into_any(),
            }}
        </main>
        <LibraryFooter />
    }
}

#[component]
fn LibraryFooter() -> impl IntoView {
    let (library, _) = use_app();
    let count = move || library.photos().with(|p| p.len());
    let confirm_clear = move |_| {
        let question = format!(
            "Delete all {} from Facesort's library in this browser, with the people, their names and your corrections? This cannot be undone (\"Save named people\" keeps the names first). Your original files are not touched.",
            photo_count(count())
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            library.clear();
        }
    };
    view! {
        <footer class="library" aria-label="Library">
            <p data-testid="library-summary">
                {move || format!("Your library: {}", photo_count(count()))}
                {move || library.storage().get().map(|s| format!(" · storage {s}"))}
                " · kept in this browser only"
            </p>
            <originals::Originals />
            <people_files::PeopleFiles />
            <Show when=move || count() != 0 && library.phase().get() != Phase::Sorting>
                <button on:click=confirm_clear>"Clear library"</button>
            </Show>
            <Show when=move || count() != 0>
                <history::LibraryHistory />
            </Show>
        </footer>
    }
}
