//! Where the library's originals are: copied into this browser, or left in
//! folders the user picked (with a button to allow reading them again on a
//! later visit, which the browser only grants from a click).

use super::context::use_app;
use super::words::photo_count;
use crate::web::services::originals::{access, Access};
use crate::web::services::store::FolderId;
use crate::web::services::views::Original;
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn Originals() -> impl IntoView {
    let (library, _) = use_app();
    // Photos per place: copies in the browser, and per picked folder.
    let counts = Memo::new(move |_| {
        library.photos().with(|photos| {
            let mut copies = 0;
            let mut in_folders: HashMap<FolderId, usize> = HashMap::new();
            for p in photos {
                match &p.original {
                    Original::Kept { .. } | Original::Given(_) => copies += 1,
                    Original::InFolder { at, .. } => *in_folders.entry(at.folder).or_default() += 1,
                }
            }
            (copies, in_folders)
        })
    });
    let allowed = RwSignal::new(HashMap::<FolderId, Access>::new());
    // What the browser lets the page do now, asked again whenever the folders change.
    Effect::new(move |_| {
        let folders = library.folders().get();
        wasm_bindgen_futures::spawn_local(async move {
            for folder in folders {
                let now = access(&folder.handle, false).await;
                allowed.update(|a| {
                    a.insert(folder.id, now);
                });
            }
        });
    });
    let in_folders = move || {
        let (_, counts) = counts.get();
        library
            .folders()
            .get()
            .into_iter()
            .filter_map(|folder| {
                let n = *counts.get(&folder.id)?;
                let state = allowed.with(|a| a.get(&folder.id).copied());
                let name = folder.name.clone();
                let allow = move |_| {
                    let folder = folder.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let now = access(&folder.handle, true).await;
                        allowed.update(|a| {
                            a.insert(folder.id, now);
                        });
                    });
                };
                Some(view! {
                    <li>
                        {format!("{} stay in your folder {name}", photo_count(n))}
                        {match state {
                            Some(Access::Ask) => {
                                view! {
                                    " · "
                                    <button on:click=allow>
                                        {format!("Allow reading {name}")}
                                    </button>
                                }
                                    .into_any()
                            }
                            Some(Access::Denied) => {
                                view! {
                                    " · Facesort may not read it: allow it in the browser's site settings"
                                }
                                    .into_any()
                            }
                            _ => ().into_any(),
                        }}
                    </li>
                })
            })
            .collect_view()
    };
    view! {
        <Show when=move || !library.folders().with(Vec::is_empty)>
            <ul class="originals" aria-label="Where your originals are" data-testid="originals">
                <li>
                    {move || {
                        format!("{} copied into this browser", photo_count(counts.get().0))
                    }}
                </li>
                {in_folders}
            </ul>
        </Show>
    }
}
