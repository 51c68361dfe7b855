//! An album: a person's photos (their faces framed), the photos without
//! faces, or the other faces; with the person's tools (rename, hide) and the
//! tools for ticked faces (move, take away, use as the picture).

use super::context::{correct, use_app, Screen};
use super::focus::{focus_soon, keep_focus_clear_of};
use super::history::PersonTimeline;
use super::move_target::MoveTarget;
use super::people::Pick;
use super::photo::{thumb_url, Framed};
use super::words::{edit_note, face_count};
use crate::people::book::{FaceKey, MAX_NAME_CHARS};
use crate::people::cluster::{PersonId, PhotoId};
use crate::people::edit::{Applied, Correction, MoveTo};
use crate::web::services::export::{self, Exports};
use crate::web::services::library::EditNote;
use leptos::ev;
use leptos::prelude::*;
use std::collections::HashMap;

/// Whose photos an album shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlbumOf {
    Person(PersonId),
    NoFaces,
    OtherFaces,
}

impl AlbumOf {
    /// Whose faces the album shows (`None`: nobody's).
    fn person(self) -> Option<PersonId> {
        match self {
            AlbumOf::Person(id) => Some(id),
            _ => None,
        }
    }
}

#[component]
pub fn Album(of: AlbumOf) -> impl IntoView {
    let (library, ui) = use_app();
    let person_id = of.person();
    let found = move || {
        let id = person_id?;
        library
            .people()
            .with(|ps| ps.iter().find(|p| p.id == id).cloned())
    };
    let title = move || match of {
        AlbumOf::Person(_) => found()
            .map(|p| p.name)
            .unwrap_or_else(|| "This person is no longer in the library".into()),
        AlbumOf::NoFaces => "Photos without faces".into(),
        AlbumOf::OtherFaces => "Other faces".into(),
    };
    // The faces this album is about.
    let faces = move || -> Vec<FaceKey> {
        match of {
            AlbumOf::Person(_) => found().map(|p| p.faces).unwrap_or_default(),
            AlbumOf::NoFaces => Vec::new(),
            AlbumOf::OtherFaces => library.book().with(|b| b.unassigned()),
        }
    };
    let photos = move || {
        // Each photo's faces in this album, by photo: one pass over the
        // library's photos, however many faces the person has.
        let mut boxed: HashMap<PhotoId, Vec<usize>> = HashMap::new();
        for f in faces() {
            boxed.entry(f.photo).or_default().push(f.index as usize);
        }
        library.photos().with(|all| {
            all.iter()
                .map(|p| &p.view)
                .filter_map(|p| match of {
                    AlbumOf::NoFaces => p.faces.is_empty().then(|| (p.clone(), Vec::new())),
                    _ => boxed.remove(&p.id).map(|faces| (p.clone(), faces)),
                })
                .collect::<Vec<_>>()
        })
    };
    let list_label = move || match of {
        AlbumOf::Person(_) => format!("Photos of {}", title()),
        _ => title(),
    };
    let back_to = match of {
        AlbumOf::Person(id) => Screen::Album(id),
        AlbumOf::NoFaces => Screen::NoFaces,
        AlbumOf::OtherFaces => Screen::OtherFaces,
    };
    let selected = RwSignal::new(Vec::<PhotoId>::new());
    let selectable = of != AlbumOf::NoFaces;
    let exports = expect_context::<Exports>();
    let album_zip = move |_| {
        if let Some(p) = found() {
            wasm_bindgen_futures::spawn_local(export::album_zip(library, exports, p))
        }
    };
    let crops_zip = move |_| {
        if let Some(p) = found() {
            wasm_bindgen_futures::spawn_local(export::crops_zip(library, exports, p))
        }
    };
    view! {
        <section class="album">
            <div class="toolbar">
                <button on:click=move |_| ui.back()>"Back to people"</button>
                <h2 tabindex="-1">{title}</h2>
                <Show when=move || found().is_some()>
                    <button on:click=album_zip>"Download album (zip)"</button>
                    <button on:click=crops_zip>"Download face crops (zip)"</button>
                </Show>
            </div>
            {person_id
                .map(|id| {
                    view! {
                        <PersonTools id=id />
                        <PersonTimeline id=id />
                    }
                })}
            {selectable
                .then(|| {
                    view! { <FaceTools of=of selected=selected faces=Signal::derive(faces) /> }
                })}
            <ul role="list" aria-label=list_label class="photos">
                <For each=photos key=|(p, boxed)| (p.id, boxed.clone()) let:item>
                    {
                        let (photo, boxed) = item;
                        let back = back_to.clone();
                        let id = photo.id;
                        let name = photo.name.clone();
                        let open = move |_| {
                            ui.open(Screen::Photo {
                                photo: id,
                                back: Box::new(back.clone()),
                            })
                        };
                        view! {
                            <li role="listitem" data-file=photo.name.clone()>
                                <button
                                    data-photo-id=id.0
                                    aria-label=format!("Open {}", photo.name)
                                    on:click=open
                                >
                                    <Framed
                                        photo=photo.clone()
                                        boxed=Some(boxed)
                                        src=thumb_url(&photo)
                                    />
                                </button>
                                {selectable
                                    .then(|| {
                                        view! {
                                            <Pick
                                                label=format!("Select {name}")
                                                item=id
                                                selected=selected
                                            />
                                        }
                                    })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// The album's Name field, focused when a name is refused.
const NAME_FIELD_ID: &str = "person-name";

/// Rename and hide, on a person's page.
#[component]
fn PersonTools(id: PersonId) -> impl IntoView {
    let (library, ui) = use_app();
    let current = Memo::new(move |_| {
        library
            .book()
            .with(|b| b.person(id).map(|p| p.display_name()))
    });
    let name = RwSignal::new(current.get_untracked().unwrap_or_default());
    // Follow undo/redo and merges while the page is open.
    Effect::new(move |_| {
        if let Some(n) = current.get() {
            name.set(n);
        }
    });
    // A refused name is said beside the field too: the edit bar's note is
    // far from it on a long album. Only the name's own faults: a failed save
    // or a busy tab is not the field's, and stays the edit bar's to say.
    let refused = RwSignal::new(None::<String>);
    let rename = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let name = name.get_untracked();
        correct(
            library,
            Correction::Rename { person: id, name },
            move |note| {
                let fault = matches!(note, EditNote::Refused(_)).then(|| edit_note(note).1);
                let marked = fault.is_some();
                refused.set(fault);
                // Once the field is marked, so its fault is read with it.
                if marked {
                    focus_soon(vec![format!("#{NAME_FIELD_ID}")]);
                }
            },
        );
    };
    let hide = move |_| {
        correct(
            library,
            Correction::SetHidden {
                person: id,
                hidden: true,
            },
            |_| {},
        );
        ui.back();
    };
    view! {
        <Show when=move || current.get().is_some()>
            <div class="person-tools">
                <form class="rename" on:submit=rename>
                    <label>
                        "Name "
                        <input
                            type="text"
                            aria-label="Name"
                            maxlength=MAX_NAME_CHARS.to_string()
                            id=NAME_FIELD_ID
                            aria-invalid=move || refused.with(Option::is_some).then_some("true")
                            aria-describedby=move || {
                                refused.with(Option::is_some).then_some("name-error")
                            }
                            prop:value=move || name.get()
                            on:input=move |e| {
                                refused.set(None);
                                name.set(event_target_value(&e))
                            }
                        />
                    </label>
                    <button type="submit">"Rename"</button>
                    <span id="name-error" class="error">
                        {move || refused.get()}
                    </span>
                </form>
                <button on:click=hide>
                    {move || format!("Hide {}", current.get().unwrap_or_default())}
                </button>
            </div>
        </Show>
    }
}

/// Acts on the ticked photos' faces: move them to a new or another person,
/// take them away from this person, or make one the cover.
#[component]
fn FaceTools(
    of: AlbumOf,
    selected: RwSignal<Vec<PhotoId>>,
    faces: Signal<Vec<FaceKey>>,
) -> impl IntoView {
    let (library, ui) = use_app();
    let picked = move || {
        let photos = selected.get();
        faces
            .get()
            .into_iter()
            .filter(|f| photos.contains(&f.photo))
            .collect::<Vec<_>>()
    };
    let target = RwSignal::new(MoveTo::NewPerson);
    let move_faces = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let to = target.get_untracked();
        let correction = Correction::Move {
            faces: picked(),
            from: of.person(),
            to,
        };
        correct(library, correction, move |note| {
            // Everyone moved out: follow them rather than show an empty page.
            if let (
                EditNote::Applied(Applied::Made {
                    person: Some(to), ..
                }),
                Some(from),
            ) = (note, of.person())
            {
                if library.book().with_untracked(|b| b.person(from).is_none()) {
                    ui.open(Screen::Album(*to));
                }
            }
        });
        selected.set(Vec::new());
    };
    let remove = move |_| {
        if let Some(from) = of.person() {
            correct(
                library,
                Correction::Remove {
                    faces: picked(),
                    from,
                },
                |_| {},
            );
        }
        selected.set(Vec::new());
    };
    let cover = move |_| {
        if let (AlbumOf::Person(person), [face]) = (of, picked().as_slice()) {
            correct(
                library,
                Correction::SetCover {
                    person,
                    face: *face,
                },
                |_| {},
            );
        }
        selected.set(Vec::new());
    };
    view! {
        <Show when=move || {
            !picked().is_empty()
        }>
            {
                let bar = NodeRef::new();
                keep_focus_clear_of(bar);
                view! {
                    <form
                        class="face-tools"
                        aria-label="Selected faces"
                        on:submit=move_faces
                        node_ref=bar
                    >
                        <span>{move || format!("{} selected", face_count(picked().len()))}</span>
                        <label>
                            "Move to "
                            <MoveTarget
                                label="Move to".to_string()
                                to=target
                                except=Signal::derive(move || of.person())
                            />
                        </label>
                        <button type="submit">"Move"</button>
                        {matches!(of, AlbumOf::Person(_))
                            .then(|| {
                                view! {
                                    <button type="button" on:click=remove>
                                        "Not this person"
                                    </button>
                                    <Show when=move || picked().len() == 1>
                                        <button type="button" on:click=cover>
                                            "Use as the picture"
                                        </button>
                                    </Show>
                                }
                            })}
                        <button type="button" on:click=move |_| selected.set(Vec::new())>
                            "Clear selection"
                        </button>
                    </form>
                }
            }
        </Show>
    }
}
