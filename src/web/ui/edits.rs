//! Undo and redo, and what the last edit did, in words.

use super::context::{correct, use_app};
use super::words::{edit_label, edit_note};
use crate::people::edit::Correction;
use leptos::prelude::*;

#[component]
pub fn EditBar() -> impl IntoView {
    let (library, ui) = use_app();
    let book = library.book();
    // A refused edit is about what was tried on the screen it came on, and
    // goes once the user leaves it (a refused rename in an album must not
    // linger over the grid, beside the Undo of an older edit).
    let left = RwSignal::new(false);
    Effect::watch(
        move || library.note().track(),
        move |_, _, _| left.set(false),
        false,
    );
    Effect::watch(
        move || ui.screen.track(),
        move |_, _, _| left.set(true),
        false,
    );
    let undo_label = move || book.with(|b| b.undoable().map(edit_label));
    let redo_label = move || book.with(|b| b.redoable().map(edit_label));
    view! {
        <Show when=move || library.photos().with(|p| !p.is_empty())>
            <div class="edit-bar">
                <button
                    disabled=move || undo_label().is_none()
                    aria-label=move || {
                        undo_label().map_or("Undo".to_string(), |l| format!("Undo {l}"))
                    }
                    title="Ctrl+Z"
                    on:click=move |_| correct(library, Correction::Undo, |_| {})
                >
                    "Undo"
                </button>
                <button
                    disabled=move || redo_label().is_none()
                    aria-label=move || {
                        redo_label().map_or("Redo".to_string(), |l| format!("Redo {l}"))
                    }
                    title="Ctrl+Shift+Z"
                    on:click=move |_| correct(library, Correction::Redo, |_| {})
                >
                    "Redo"
                </button>
                <p class="edit-note" data-testid="edit-note" role="status" aria-live="polite">
                    {move || {
                        library
                            .note()
                            .get()
                            .map(|note| edit_note(&note))
                            .filter(|(made, _)| *made || !left.get())
                            .map(|(made, text)| {
                                view! {
                                    <span class=if made { "done" } else { "refused" }>{text}</span>
                                }
                            })
                    }}
                </p>
            </div>
        </Show>
    }
}
