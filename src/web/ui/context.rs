//! What the UI keeps for itself (where the user is), and how components
//! reach the library service.

use super::search::Search;
use crate::people::cluster::{PersonId, PhotoId};
use crate::people::edit::Correction;
use crate::web::services::library::{EditNote, Library};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

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
        // What was opened may be gone (a person just hidden): the grid, then.
        focus_soon(vec![focus]);
    }
}

/// The current screen's heading (each screen has one `h2` that can take
/// focus), or the page's title before there is a screen to speak of.
const SCREEN_HEADING: [&str; 2] = ["main h2[tabindex]", "header.top h1"];

/// After the next render, moves keyboard focus to the first of `targets`
/// (CSS selectors) on the page, or else to the screen's heading.
pub fn focus_soon(targets: Vec<String>) {
    request_animation_frame(move || focus_first(&targets));
}

fn focus_first(targets: &[String]) {
    let targets = targets.iter().map(String::as_str).chain(SCREEN_HEADING);
    for selector in targets {
        let found = document().query_selector(selector).ok().flatten();
        if let Some(el) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
            return;
        }
    }
}

/// Focus that fell to the page because its element went away (a bar that
/// closed, a card that was hidden, a button that became disabled) is put on
/// the screen's heading, so the next Tab continues from the screen rather
/// than from the top of the page.
pub fn rescue_lost_focus(left: &web_sys::FocusEvent) {
    if left.related_target().is_some() {
        return;
    }
    let Some(from) = left
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    request_animation_frame(move || {
        let doc = document();
        let on_page = doc
            .active_element()
            .is_none_or(|a| Some(&a) == doc.body().as_deref());
        let gone = !from.is_connected() || from.matches(":disabled").unwrap_or(false);
        // Now, in this frame: a frame later it would take focus from where
        // the edit that removed the element put it (a merged person's card).
        if on_page && gone {
            focus_first(&[]);
        }
    });
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
