//! People files: the named people saved for another browser or device, and
//! imported here so the same people are named wherever photos of them are.

use super::context::{correct, use_app};
use super::words::pack_note;
use crate::people::edit::Correction;
use crate::web::services::views::PackNote;
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
    let save = move |_| library.save_people_file();
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
            <Resolutions />
        </div>
    }
}

/// One button per conflict of the last import that still stands: the
/// file's name for a person named otherwise here, or a merge with the person
/// here who already has the name. Each is an ordinary edit, so Undo takes it
/// back.
#[component]
fn Resolutions() -> impl IntoView {
    let (library, _) = use_app();
    let standing = move || {
        let Some(PackNote::Imported { recognition, .. }) = library.pack_note().get() else {
            return Vec::new();
        };
        library.book().with(|book| {
            let named = |id| book.person(id).and_then(|p| p.name.clone());
            let mut fixes = Vec::new();
            for d in recognition.differ {
                if named(d.person).as_deref() == Some(d.here.as_str()) {
                    let label = format!("Rename {} to {}", d.here, d.in_file);
                    fixes.push((
                        label,
                        Correction::Rename {
                            person: d.person,
                            name: d.in_file,
                        },
                    ));
                }
            }
            for t in recognition.taken {
                if book.person(t.matching).is_some_and(|p| p.name.is_none())
                    && named(t.named).is_some_and(|n| n.trim().eq_ignore_ascii_case(t.name.trim()))
                {
                    let label = format!("Merge the match into {}", t.name);
                    fixes.push((
                        label,
                        Correction::Merge {
                            people: vec![t.named, t.matching],
                            name: None,
                        },
                    ));
                }
            }
            fixes
        })
    };
    view! {
        <Show when=move || !standing().is_empty()>
            <div class="resolutions" role="group" aria-label="Resolve people-file matches">
                {move || {
                    standing()
                        .into_iter()
                        .map(|(label, fix)| {
                            view! {
                                <button on:click=move |_| correct(
                                    library,
                                    fix.clone(),
                                    |_| {},
                                )>{label}</button>
                            }
                        })
                        .collect_view()
                }}
            </div>
        </Show>
    }
}
