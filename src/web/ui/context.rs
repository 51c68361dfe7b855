//! What the UI keeps for itself (where the user is), and how components
//! reach the library service.

use super::focus::focus_soon;
use super::search::Search;
use crate::people::cluster::{PersonId, PhotoId};
use crate::people::edit::Correction;
use crate::web::services::library::{EditNote, Library};
use leptos::prelude::*;

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
    pub find: RwSignal<Search>,
}

impl Ui {
    pub fn new() -> Ui {
        Ui {
            screen: RwSignal::new(Screen::People),
            find: RwSignal::new(Search::default()),
        }
    }

    /// Shows `screen`, with keyboard focus on its heading: otherwise focus
    /// stays on a button that is gone, and Tab starts again from the footer.
    /// (The photo viewer puts it on its Close button itself.)
    pub fn open(&self, screen: Screen) {
        let viewer = matches!(screen, Screen::Photo { .. });
        self.screen.set(screen);
        if !viewer {
            focus_soon(Vec::new());
        }
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
        // What was opened may be gone (a person just hidden): the screen's
        // heading, then.
        focus_soon(vec![focus]);
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
