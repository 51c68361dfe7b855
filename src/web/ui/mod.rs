//! The page's UI (Leptos, client-side rendered). Components read what the
//! library service publishes and send it commands; the only state they own
//! is where the user is ([`Ui`]) and what they are typing or ticking.

mod album;
mod edits;
mod find;
mod history;
mod import;
mod people;
mod photo;
mod progress;
pub mod words;

use crate::people::book::Correction;
use crate::people::cluster::{PersonId, PhotoId};
use crate::web::services::library::{EditNote, Library, Settings};
use crate::web::services::views::Phase;
use leptos::ev;
use leptos::prelude::*;
use words::photo_count;

pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    People,
    Album(PersonId),
    NoFaces,
    /// Unclear faces close to nobody, and faces the user took away.
    OtherFaces,
    /// Search the library by a reference face.
    FindMe,
    Photo {
        photo: PhotoId,
        back: Box<Screen>,
    },
}

/// Where the user is: the UI's own state.
#[derive(Clone, Copy)]
pub struct Ui {
    pub screen: RwSignal<Screen>,
    /// The "Find me" search: its reference faces and threshold.
    pub find: RwSignal<find::Search>,
}

impl Ui {
    fn new() -> Ui {
        Ui {
            screen: RwSignal::new(Screen::People),
            find: RwSignal::new(find::Search::default()),
        }
    }

    pub fn open(&self, screen: Screen) {
        self.screen.set(screen);
    }

    /// One step back (photo → its album, album → people), returning keyboard
    /// focus to what was opened, so a keyboard user keeps their place.
    pub fn back(&self) {
        let current = self.screen.get_untracked();
        let (to, focus) = match current {
            Screen::People => return,
            Screen::Photo { photo, back } => (*back, format!("[data-photo-id=\"{}\"]", photo.0)),
            Screen::Album(id) => (Screen::People, format!("[data-person-key=\"{}\"]", id.0)),
            Screen::NoFaces => (Screen::People, "button.no-faces".to_string()),
            Screen::OtherFaces => (Screen::People, "button.unassigned".to_string()),
            Screen::FindMe => (Screen::People, "button.find-me".to_string()),
        };
        self.screen.set(to);
        request_animation_frame(move || {
            // What was opened may be gone (a person just hidden): the grid, then.
            let target = document()
                .query_selector(&focus)
                .ok()
                .flatten()
                .or_else(|| {
                    document()
                        .query_selector("button.person, main h2")
                        .ok()
                        .flatten()
                });
            if let Some(el) =
                target.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        });
    }
}

/// The library service and the UI's state, as components find them.
pub fn use_app() -> (Library, Ui) {
    (expect_context::<Library>(), expect_context::<Ui>())
}

/// Sends a correction; `then` runs with what became of it.
pub fn correct(library: Library, correction: Correction, then: impl FnOnce(&EditNote) + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let note = library.correct(correction).await;
        then(&note);
    });
}

#[component]
fn App() -> impl IntoView {
    let library = Library::start(Settings::default());
    let ui = Ui::new();
    provide_context(library);
    provide_context(ui);
    // Tests and the benchmark read the phase from <body data-state>.
    Effect::new(move |_| {
        let phase = library.phase().get();
        if let Some(body) = document().body() {
            let _ = body.dataset().set("state", phase.as_str());
        }
    });
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
    view! {
        <header class="top">
            <h1>"Facesort"</h1>
            <p class="tagline">
                "Sort photos by the people in them. Everything happens on this computer: nothing is uploaded."
            </p>
        </header>
        <main>
            <import::Importer />
            <import::PendingNote />
            <progress::ProgressPanel />
            {move || {
                library
                    .problem()
                    .get()
                    .map(|p| {
                        view! {
                            <p class="error" role="alert">
                                {p.to_string()}
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
            "Delete all {} from Facesort's library in this browser? Your original files are not touched.",
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
            <Show when=move || count() != 0 && library.phase().get() != Phase::Sorting>
                <button on:click=confirm_clear>"Clear library"</button>
            </Show>
            <Show when=move || count() != 0>
                <history::LibraryHistory />
            </Show>
        </footer>
    }
}
