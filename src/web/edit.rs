//! The user's corrections to who is who. Each is made on a copy of the book,
//! saved in one IndexedDB transaction, and only then shown: a failed save
//! changes nothing.

use super::state::{AppState, Note, LOCAL};
use crate::people::book::{Book, EditError};
use leptos::prelude::*;

/// Saves what the book changed since its last save, in one transaction.
pub async fn save(book: &mut Book) -> Result<(), String> {
    let dirty = book.take_dirty();
    let library = LOCAL.with(|l| l.borrow().library.clone());
    let Some(library) = library.filter(|_| !dirty.is_empty()) else {
        return Ok(());
    };
    let saved = library.commit(&dirty).await;
    if saved.is_err() {
        // Kept for the next save to retry; an edit's copy is dropped anyway.
        book.keep_dirty(dirty);
    }
    saved
}

/// Makes an edit; `edit` returns what to tell the user when it is done.
pub fn run(st: AppState, edit: impl FnOnce(&mut Book) -> Result<String, EditError> + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let lock = LOCAL.with(|l| l.borrow().book_lock.clone());
        let _guard = lock.lock().await;
        let mut book = st.book.get_untracked();
        match edit(&mut book) {
            Err(e) => st.note.set(Some(Note::Refused(sentence(&e.to_string())))),
            Ok(done) => match save(&mut book).await {
                Ok(()) => {
                    st.book.set(book);
                    st.note.set(Some(Note::Done(sentence(&done))));
                }
                Err(e) => st.note.set(Some(Note::Refused(format!(
                    "The change could not be saved, so it was not made: {e}."
                )))),
            },
        }
    });
}

pub fn undo(st: AppState) {
    run(st, |b| b.undo().map(|label| format!("undone: {label}")));
}

pub fn redo(st: AppState) {
    run(st, |b| b.redo().map(|label| format!("redone: {label}")));
}

/// "name is taken" -> "Name is taken."
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}
