//! The people grid: everyone with a face, most photos first; merging,
//! hidden people, photos without faces and other faces.

use super::context::{correct, use_app, Screen};
use super::exports::ExportButtons;
use super::focus::{focus_after_edit, focus_soon, keep_focus_clear_of};
use super::preview::PreviewImage;
use super::share::ShareGallery;
use super::words::{face_count, photo_count};
use crate::people::book::MAX_NAME_CHARS;
use crate::people::cluster::PersonId;
use crate::people::edit::{Applied, Correction};
use crate::web::services::library::EditNote;
use crate::web::services::views::photos_together;
use leptos::ev;
use leptos::prelude::*;
use std::collections::HashMap;

/// People the grid shows at first, and how many more each "Show more"
/// adds. A library of thousands of photos has hundreds of people (every
/// stranger in a crowd); laying out a card for each of them whenever who is
/// who changes held the page for seconds at the end of a 13,000-photo run.
const PEOPLE_PAGE: usize = 120;

#[component]
pub fn PeopleGrid() -> impl IntoView {
    let (library, ui) = use_app();
    let photos = library.photos();
    let no_faces = move || photos.with(|p| p.iter().filter(|p| p.faces.is_empty()).count());
    let other_faces = move || library.book().with(|b| b.unassigned().len());
    let has_photos = move || photos.with(|p| !p.is_empty());
    let shown = RwSignal::new(PEOPLE_PAGE);
    let visible_count = Memo::new(move |_| {
        library
            .people()
            .with(|ps| ps.iter().filter(|p| !p.hidden).count())
    });
    let more = move || visible_count.get().saturating_sub(shown.get());
    let visible = move || {
        let shown = shown.get();
        library.people().with(|ps| {
            ps.iter()
                .filter(|p| !p.hidden)
                .take(shown)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    // Apart from the cards' keys, so that a card (and the image it read)
    // stays while its person gains photos during a run.
    let counts = Memo::new(move |_| {
        library.people().with(|ps| {
            ps.iter()
                .map(|p| (p.id, p.photos.len()))
                .collect::<HashMap<_, _>>()
        })
    });
    // People ticked for merging, in the order the grid shows them.
    let selected = RwSignal::new(Vec::<PersonId>::new());
    view! {
        <Show when=has_photos>
            <section class="people">
                <div class="toolbar">
                    <h2 tabindex="-1">"People"</h2>
                    <button class="find-me" on:click=move |_| ui.open(Screen::FindMe)>
                        "Find a person"
                    </button>
                    <ExportButtons />
                </div>
                <ShareGallery />
                <MergeBar selected=selected />
                // Each card is two tab stops, so a page of people is 240: one
                // stop past them, seen only when it has focus.
                <Show when=move || visible_count.get() != 0>
                    <button
                        class="skip"
                        on:click=move |_| {
                            focus_soon(
                                vec![
                                    "section.people > ul.grid ~ :is(button, details > summary)"
                                        .into(),
                                    "footer.library :is(button, summary, input, a[href])".into(),
                                ],
                            )
                        }
                    >
                        "Skip past the people"
                    </button>
                </Show>
                <ul role="list" aria-label="People" class="grid">
                    <For each=visible key=|p| (p.id, p.name.clone(), p.cover) let:person>
                        {
                            let id = person.id;
                            let name = person.name.clone();
                            let count = move || {
                                photo_count(counts.with(|c| c.get(&id).copied().unwrap_or(0)))
                            };
                            let label = format!("{}, ", person.name);
                            view! {
                                <li role="listitem" class="person-card">
                                    <button
                                        class="person"
                                        data-person-key=id.0
                                        aria-label=move || format!("{label}{}", count())
                                        on:click=move |_| ui.open(Screen::Album(id))
                                    >
                                        <PreviewImage preview=person.cover_crop.clone() />
                                        <span class="name">{person.name.clone()}</span>
                                        // A space, so the visible text reads as the name does
                                        // ("Person 1 2 photos", not "Person 12 photos").
                                        {" "}
                                        <span class="count">{count}</span>
                                    </button>
                                    <Pick
                                        label=format!("Select {name} to merge")
                                        item=id
                                        selected=selected
                                    />
                                </li>
                            }
                        }
                    </For>
                </ul>
                <Show when=move || { more() != 0 }>
                    <button
                        class="more-people"
                        on:click=move |_| {
                            let first_new = shown.get_untracked() + 1;
                            shown.update(|n| *n += PEOPLE_PAGE);
                            focus_soon(
                                vec![
                                    format!(
                                        "ul[aria-label=\"People\"] > li:nth-child({first_new}) button.person",
                                    ),
                                ],
                            );
                        }
                    >
                        {move || format!("Show more people ({} more)", more())}
                    </button>
                </Show>
                <Show when=move || no_faces() != 0>
                    <button
                        class="no-faces"
                        aria-label=move || {
                            format!("Photos without faces, {}", photo_count(no_faces()))
                        }
                        on:click=move |_| ui.open(Screen::NoFaces)
                    >
                        "Photos without faces "
                        <span class="count">{move || photo_count(no_faces())}</span>
                    </button>
                </Show>
                <Show when=move || other_faces() != 0>
                    <button
                        class="unassigned"
                        aria-label=move || format!("Other faces, {}", face_count(other_faces()))
                        on:click=move |_| ui.open(Screen::OtherFaces)
                    >
                        "Other faces "
                        <span class="count">{move || face_count(other_faces())}</span>
                    </button>
                </Show>
                <HiddenPeople />
            </section>
        </Show>
    }
}

/// A tick box adding `item` to (or taking it from) `selected`, in ticking order.
#[component]
pub fn Pick<T: Copy + PartialEq + Send + Sync + 'static>(
    label: String,
    item: T,
    selected: RwSignal<Vec<T>>,
) -> impl IntoView {
    view! {
        <label class="pick">
            <input
                type="checkbox"
                aria-label=label
                prop:checked=move || selected.with(|s| s.contains(&item))
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    selected
                        .update(|s| {
                            s.retain(|x| *x != item);
                            if on {
                                s.push(item);
                            }
                        });
                }
            />
            "Select"
        </label>
    }
}

/// Appears when two or more people are ticked: merge them under a name.
#[component]
fn MergeBar(selected: RwSignal<Vec<PersonId>>) -> impl IntoView {
    let (library, _) = use_app();
    let name = RwSignal::new(String::new());
    // Largest first, so the biggest album keeps its identity.
    let chosen = move || {
        let picked = selected.get();
        library.people().with(|ps| {
            ps.iter()
                .filter(|p| picked.contains(&p.id) && !p.hidden)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let merge = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let people: Vec<PersonId> = chosen().iter().map(|p| p.id).collect();
        let typed = name.get_untracked();
        correct(
            library,
            Correction::Merge {
                people,
                name: typed_name(&typed),
            },
            focus_person,
        );
        selected.set(Vec::new());
        name.set(String::new());
    };
    let summary = move || {
        let chosen = chosen();
        let names: Vec<String> = chosen.iter().map(|p| p.name.clone()).collect();
        format!("Merge {} people: {}", chosen.len(), names.join(", "))
    };
    // A wrong merge costs far more than a split: say when the photos show
    // them side by side.
    let together = move || photos_together(chosen().iter().map(|p| p.photos.as_slice()));
    let caution = move || {
        let n = together();
        format!(
            "Careful: they are together in {}, so they are most likely different people.",
            photo_count(n)
        )
    };
    view! {
        <Show when=move || {
            chosen().len() >= 2
        }>
            {
                let bar = NodeRef::new();
                keep_focus_clear_of(bar);
                view! {
                    <form class="merge-bar" aria-label="Merge people" on:submit=merge node_ref=bar>
                        <span>{summary}</span>
                        <span class="caution" role="status">
                            {move || (together() != 0).then(caution)}
                        </span>
                        <label>
                            "Name"
                            <input
                                type="text"
                                aria-label="Name for the merged person"
                                maxlength=MAX_NAME_CHARS.to_string()
                                list="merge-names"
                                placeholder=move || {
                                    chosen().first().map(|p| p.name.clone()).unwrap_or_default()
                                }
                                prop:value=move || name.get()
                                on:input=move |e| name.set(event_target_value(&e))
                            />
                            <datalist id="merge-names">
                                {move || {
                                    chosen()
                                        .into_iter()
                                        .map(|p| view! { <option value=p.name.clone()></option> })
                                        .collect_view()
                                }}
                            </datalist>
                        </label>
                        <button type="submit">"Merge"</button>
                        <button type="button" on:click=move |_| selected.set(Vec::new())>
                            "Cancel merge"
                        </button>
                    </form>
                }
            }
        </Show>
    }
}

/// Hidden people (strangers): out of the grid and downloads until shown again.
#[component]
fn HiddenPeople() -> impl IntoView {
    let (library, _) = use_app();
    let hidden = move || {
        library
            .people()
            .with(|ps| ps.iter().filter(|p| p.hidden).cloned().collect::<Vec<_>>())
    };
    view! {
        <Show when=move || !hidden().is_empty()>
            <details class="hidden-people">
                <summary>{move || format!("Hidden people ({})", hidden().len())}</summary>
                <ul role="list" aria-label="Hidden people" class="grid">
                    <For each=hidden key=|p| (p.id, p.name.clone()) let:person>
                        {
                            let id = person.id;
                            let show = Correction::SetHidden {
                                person: id,
                                hidden: false,
                            };
                            view! {
                                <li role="listitem">
                                    <PreviewImage preview=person.cover_crop.clone() />
                                    <span class="name">{person.name.clone()}</span>
                                    <button on:click=move |_| correct(
                                        library,
                                        show.clone(),
                                        focus_person,
                                    )>{format!("Show {}", person.name)}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </details>
        </Show>
    }
}

/// Keyboard focus to the person an edit was about (merged into, shown
/// again), where a keyboard user would look next.
fn focus_person(note: &EditNote) {
    if let EditNote::Applied(Applied::Made {
        person: Some(id), ..
    }) = note
    {
        focus_after_edit(format!("[data-person-key=\"{}\"]", id.0));
    }
}

/// A typed name, or none when only spaces were typed.
fn typed_name(typed: &str) -> Option<String> {
    let typed = typed.trim();
    (!typed.is_empty()).then(|| typed.to_string())
}
