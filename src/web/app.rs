//! The page: import, progress, the people grid, albums and the photo viewer.

use super::download;
use super::edit;
use super::import::{from_file_list, read_drop, take_drop};
use super::session::{clear_library, restore, start};
use super::state::{photo_count, AppState, Note, Phase, PhotoView, Screen};
use crate::face::geometry::FaceBox;
use crate::people::book::{face_count, FaceKey, MoveTo};
use crate::people::cluster::PersonId;
use leptos::ev;
use leptos::prelude::*;

pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let st = AppState::new();
    provide_context(st);
    // Tests and the benchmark read the phase from <body data-state>.
    Effect::new(move |_| {
        let phase = st.phase.get();
        if let Some(body) = document().body() {
            let _ = body.dataset().set("state", phase.as_str());
        }
    });
    let (restored, waiting) = futures::channel::oneshot::channel();
    super::state::LOCAL
        .with(|l| l.borrow_mut().restored = Some(futures::FutureExt::shared(waiting)));
    wasm_bindgen_futures::spawn_local(restore(st, restored));
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
                st.back();
            }
        } else if (e.ctrl_key() || e.meta_key()) && !typing && (key == "z" || key == "y") {
            e.prevent_default();
            if key == "y" || e.shift_key() {
                edit::redo(st);
            } else {
                edit::undo(st);
            }
        }
    });
    view! {
        <header class="top">
            <h1>"Facesort"</h1>
            <p class="tagline">"Sort photos by the people in them. Everything happens on this computer: nothing is uploaded."</p>
        </header>
        <main>
            <Importer />
            <PendingNote />
            <ProgressPanel />
            {move || st.error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <EditBar />
            {move || match st.screen.get() {
                Screen::People => view! { <PeopleGrid /> }.into_any(),
                Screen::Album(id) => view! { <Album of=AlbumOf::Person(id) /> }.into_any(),
                Screen::NoFaces => view! { <Album of=AlbumOf::NoFaces /> }.into_any(),
                Screen::Unassigned => view! { <Album of=AlbumOf::Unassigned /> }.into_any(),
                Screen::FindMe => view! { <super::find::FindMe /> }.into_any(),
                Screen::Photo { photo, .. } => view! { <PhotoViewer id=photo /> }.into_any(),
            }}
        </main>
        <LibraryFooter />
    }
}

/// Files that a run had queued when the page closed: the browser cannot open
/// them again by itself, so the user is asked to.
#[component]
fn PendingNote() -> impl IntoView {
    let st = expect_context::<AppState>();
    let text = move || {
        st.pending.with(|p| {
            format!(
                "{} from your last visit {} not sorted before the page closed: {}. Add {} again to finish; photos already sorted are kept and are not processed twice.",
                photo_count(p.len()),
                if p.len() == 1 { "was" } else { "were" },
                p.join(", "),
                if p.len() == 1 { "it" } else { "them" }
            )
        })
    };
    view! {
        <Show when=move || st.pending.with(|p| !p.is_empty()) && st.phase.get() != Phase::Sorting>
            <p class="note pending" data-testid="pending-note" role="status">{text}</p>
        </Show>
    }
}

#[component]
fn LibraryFooter() -> impl IntoView {
    let st = expect_context::<AppState>();
    let count = move || st.photos.with(|p| p.len());
    let confirm_clear = move |_| {
        let question = format!(
            "Delete all {} from Facesort's library in this browser? Your original files are not touched.",
            photo_count(count())
        );
        if window().confirm_with_message(&question).unwrap_or(false) {
            wasm_bindgen_futures::spawn_local(clear_library(st));
        }
    };
    view! {
        <footer class="library" aria-label="Library">
            <p data-testid="library-summary">
                {move || format!("Your library: {}", photo_count(count()))}
                {move || st.storage.get().map(|s| format!(" · storage {s}"))}
                " · kept in this browser only"
            </p>
            <Show when=move || count() != 0 && st.phase.get() != Phase::Sorting>
                <button on:click=confirm_clear>"Clear library"</button>
            </Show>
            <Show when=move || count() != 0>
                <super::history::LibraryHistory />
            </Show>
        </footer>
    }
}

#[component]
fn Importer() -> impl IntoView {
    let st = expect_context::<AppState>();
    let dragging = RwSignal::new(false);
    // `webkitdirectory` has no typed attribute in the view macro.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            input.set_webkitdirectory(true);
        }
    });
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let files = from_file_list(input.files());
        // Cleared so choosing the same files again still fires `change`.
        input.set_value("");
        start(st, files);
    };
    let dropped = move |e: ev::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        if let Some(transfer) = e.data_transfer() {
            let contents = take_drop(&transfer);
            wasm_bindgen_futures::spawn_local(async move { start(st, read_drop(contents).await) });
        }
    };
    view! {
        <section
            class="import"
            class:dragging=move || dragging.get()
            data-testid="drop-zone"
            aria-label="Drop photos or a folder here"
            on:dragenter=move |e: ev::DragEvent| {
                e.prevent_default();
                dragging.set(true);
            }
            on:dragover=move |e: ev::DragEvent| e.prevent_default()
            on:dragleave=move |_| dragging.set(false)
            on:drop=dropped
        >
            <p class="drop-hint">"Drop photos or a whole folder here (JPEG, PNG, WebP), or"</p>
            <div class="pickers">
                <label class="button">
                    "Choose photos"
                    <input type="file" multiple accept="image/jpeg,image/png,image/webp,image/gif,.jpg,.jpeg,.png,.webp,.gif" aria-label="Choose photos" on:change=picked />
                </label>
                <label class="button">
                    "Choose a folder"
                    <input type="file" node_ref=folder_input aria-label="Choose a folder" on:change=picked />
                </label>
            </div>
        </section>
    }
}

#[component]
fn ProgressPanel() -> impl IntoView {
    let st = expect_context::<AppState>();
    let p = st.progress;
    let visible = move || {
        p.with(|p| p.total > 0 || !p.skipped.is_empty()) || st.phase.get() == Phase::LoadingModels
    };
    let text = move || {
        let phase = st.phase.get();
        p.with(|p| {
            if phase == Phase::LoadingModels {
                return "Loading the face models…".to_string();
            }
            let now = p.finished_ms.unwrap_or_else(super::js::now_ms);
            let secs = ((now - p.started_ms) / 1000.0).max(0.001);
            let rate = p.done as f64 / secs;
            if phase == Phase::Done {
                // Duplicates and unreadable files were handled, not sorted.
                let sorted = p.done - p.failed.len() - p.duplicates;
                format!(
                    "{} sorted in {:.0} s ({:.1} photos/s)",
                    photo_count(sorted),
                    secs,
                    sorted as f64 / secs
                )
            } else {
                let left = if rate > 0.0 {
                    format!(" · about {:.0} s left", (p.total - p.done) as f64 / rate)
                } else {
                    String::new()
                };
                format!(
                    "{} of {} photos · {:.1} photos/s{}",
                    p.done, p.total, rate, left
                )
            }
        })
    };
    view! {
        <Show when=visible>
            <section class="progress" aria-label="Progress">
                <div
                    role="progressbar"
                    aria-label="Sorting progress"
                    aria-valuemin="0"
                    aria-valuemax=move || p.with(|p| p.total.to_string())
                    aria-valuenow=move || p.with(|p| p.done.to_string())
                    class="bar"
                >
                    <div class="fill" style:width=move || p.with(|p| format!("{:.1}%", if p.total == 0 { 0.0 } else { 100.0 * p.done as f64 / p.total as f64 }))></div>
                </div>
                <p data-testid="progress-text" aria-live="polite">{text}</p>
                <Show when=move || st.phase.get() == Phase::Sorting>
                    <button on:click=move |_| st.cancel.set(true) disabled=move || st.cancel.get()>"Cancel"</button>
                </Show>
                <Show when=move || p.with(|p| !p.skipped.is_empty())>
                    <p data-testid="skipped-note" class="note">
                        {move || p.with(|p| format!("Skipped {} that {} not a photo: {}", if p.skipped.len() == 1 { "1 file".to_string() } else { format!("{} files", p.skipped.len()) }, if p.skipped.len() == 1 { "is" } else { "are" }, p.skipped.join(", ")))}
                    </p>
                </Show>
                <Show when=move || p.with(|p| p.duplicates > 0)>
                    <p class="note" data-testid="duplicates-note">{move || p.with(|p| format!("{} already added (same content), processed once.", photo_count(p.duplicates)))}</p>
                </Show>
                <Show when=move || p.with(|p| !p.failed.is_empty())>
                    <h2 class="failed-heading">"Files that could not be read"</h2>
                    <ul role="list" aria-label="Files that failed" class="failed">
                        {move || p.with(|p| p.failed.iter().map(|(f, why)| view! { <li role="listitem">{format!("{f}: {why}")}</li> }).collect_view())}
                    </ul>
                </Show>
            </section>
        </Show>
    }
}

#[component]
fn PeopleGrid() -> impl IntoView {
    let st = expect_context::<AppState>();
    let no_faces = move || {
        st.photos
            .with(|p| p.iter().filter(|p| p.faces.is_empty()).count())
    };
    let unassigned = move || st.book.with(|b| b.unassigned().len());
    let has_photos = move || st.photos.with(|p| !p.is_empty());
    let visible = move || {
        st.people
            .get()
            .into_iter()
            .filter(|p| !p.hidden)
            .collect::<Vec<_>>()
    };
    // People ticked for merging, in the order the grid shows them.
    let selected = RwSignal::new(Vec::<PersonId>::new());
    view! {
        <Show when=has_photos>
            <section class="people">
                <div class="toolbar">
                    <h2>"People"</h2>
                    <button class="find-me" on:click=move |_| st.screen.set(Screen::FindMe)>"Find a person"</button>
                    <Show when=move || st.phase.get() == Phase::Done>
                        <button on:click=move |_| wasm_bindgen_futures::spawn_local(download::everything_zip(st))>"Download everything (zip)"</button>
                    </Show>
                </div>
                <MergeBar selected=selected />
                <ul role="list" aria-label="People" class="grid">
                    <For each=visible key=|p| (p.id, p.photos.len(), p.name.clone(), p.cover_url.clone()) let:person>
                        {
                            let id = person.id;
                            let name = person.name.clone();
                            view! {
                                <li role="listitem" class="person-card">
                                    <button
                                        class="person"
                                        data-person-key=id.0
                                        aria-label=format!("{}, {}", person.name, person.count_label())
                                        on:click=move |_| st.screen.set(Screen::Album(id))
                                    >
                                        <img src=person.cover_url.clone() alt="" />
                                        <span class="name">{person.name.clone()}</span>
                                        <span class="count">{person.count_label()}</span>
                                    </button>
                                    <Pick label=format!("Select {name} to merge") item=id selected=selected />
                                </li>
                            }
                        }
                    </For>
                </ul>
                <Show when=move || no_faces() != 0>
                    <button class="no-faces" aria-label=move || format!("Photos without faces, {}", photo_count(no_faces())) on:click=move |_| st.screen.set(Screen::NoFaces)>
                        "Photos without faces " <span class="count">{move || photo_count(no_faces())}</span>
                    </button>
                </Show>
                <Show when=move || unassigned() != 0>
                    <button class="unassigned" aria-label=move || format!("Other faces, {}", face_count(unassigned())) on:click=move |_| st.screen.set(Screen::Unassigned)>
                        "Other faces " <span class="count">{move || face_count(unassigned())}</span>
                    </button>
                </Show>
                <HiddenPeople />
            </section>
        </Show>
    }
}

/// A tick box adding `item` to (or taking it from) `selected`, in ticking order.
#[component]
fn Pick<T: Copy + PartialEq + Send + Sync + 'static>(
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
                    selected.update(|s| {
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
    let st = expect_context::<AppState>();
    let name = RwSignal::new(String::new());
    // Largest first, so the biggest album keeps its identity.
    let chosen = move || {
        let picked = selected.get();
        st.people
            .get()
            .into_iter()
            .filter(|p| picked.contains(&p.id) && !p.hidden)
            .collect::<Vec<_>>()
    };
    let merge = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let ids: Vec<PersonId> = chosen().iter().map(|p| p.id).collect();
        let typed = name.get_untracked();
        edit::run(st, move |b| {
            let typed = typed.trim();
            let target = b.merge(&ids, (!typed.is_empty()).then_some(typed))?;
            Ok(format!(
                "merged {} people into {}",
                ids.len(),
                b.person(target)
                    .map(|p| p.display_name())
                    .unwrap_or_default()
            ))
        });
        selected.set(Vec::new());
        name.set(String::new());
    };
    view! {
        <Show when=move || { chosen().len() >= 2 }>
            <form class="merge-bar" aria-label="Merge people" on:submit=merge>
                <span>{move || format!("Merge {} people: {}", chosen().len(), chosen().iter().map(|p| p.name.clone()).collect::<Vec<_>>().join(", "))}</span>
                <label>
                    "Name"
                    <input
                        type="text"
                        aria-label="Name for the merged person"
                        list="merge-names"
                        placeholder=move || chosen().first().map(|p| p.name.clone()).unwrap_or_default()
                        prop:value=move || name.get()
                        on:input=move |e| name.set(event_target_value(&e))
                    />
                    <datalist id="merge-names">
                        {move || chosen().into_iter().map(|p| view! { <option value=p.name.clone()></option> }).collect_view()}
                    </datalist>
                </label>
                <button type="submit">"Merge"</button>
                <button type="button" on:click=move |_| selected.set(Vec::new())>"Cancel merge"</button>
            </form>
        </Show>
    }
}

/// Hidden people (strangers): out of the grid and downloads until shown again.
#[component]
fn HiddenPeople() -> impl IntoView {
    let st = expect_context::<AppState>();
    let hidden = move || {
        st.people
            .get()
            .into_iter()
            .filter(|p| p.hidden)
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || !hidden().is_empty()>
            <details class="hidden-people">
                <summary>{move || format!("Hidden people ({})", hidden().len())}</summary>
                <ul role="list" aria-label="Hidden people" class="grid">
                    <For each=hidden key=|p| (p.id, p.name.clone()) let:person>
                        {
                            let id = person.id;
                            view! {
                                <li role="listitem">
                                    <img src=person.cover_url.clone() alt="" />
                                    <span class="name">{person.name.clone()}</span>
                                    <button on:click=move |_| edit::run(st, move |b| {
                                        b.set_hidden(id, false)?;
                                        Ok(format!("{} is shown again", b.person(id).map(|p| p.display_name()).unwrap_or_default()))
                                    })>{format!("Show {}", person.name)}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </details>
        </Show>
    }
}

/// Undo and redo, and what the last edit did.
#[component]
fn EditBar() -> impl IntoView {
    let st = expect_context::<AppState>();
    let undo_label = move || st.book.with(|b| b.undo_label().map(str::to_string));
    let redo_label = move || st.book.with(|b| b.redo_label().map(str::to_string));
    view! {
        <Show when=move || st.photos.with(|p| !p.is_empty())>
            <div class="edit-bar">
                <button
                    disabled=move || undo_label().is_none()
                    aria-label=move || undo_label().map_or("Undo".to_string(), |l| format!("Undo {l}"))
                    title="Ctrl+Z"
                    on:click=move |_| edit::undo(st)
                >"Undo"</button>
                <button
                    disabled=move || redo_label().is_none()
                    aria-label=move || redo_label().map_or("Redo".to_string(), |l| format!("Redo {l}"))
                    title="Ctrl+Shift+Z"
                    on:click=move |_| edit::redo(st)
                >"Redo"</button>
                <p class="edit-note" data-testid="edit-note" role="status" aria-live="polite">
                    {move || match st.note.get() {
                        Some(Note::Done(text)) => view! { <span class="done">{text}</span> }.into_any(),
                        Some(Note::Refused(text)) => view! { <span class="refused">{text}</span> }.into_any(),
                        None => ().into_any(),
                    }}
                </p>
            </div>
        </Show>
    }
}

/// Whose photos an album shows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum AlbumOf {
    Person(PersonId),
    NoFaces,
    Unassigned,
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

/// A person's album, the photos without faces, or the other faces: unclear
/// faces close to nobody, and faces the user took away from someone.
#[component]
fn Album(of: AlbumOf) -> impl IntoView {
    let st = expect_context::<AppState>();
    let person_id = of.person();
    let found = move || person_id.and_then(|id| st.people.get().into_iter().find(|p| p.id == id));
    let title = move || match of {
        AlbumOf::Person(_) => found()
            .map(|p| p.name)
            .unwrap_or_else(|| "This person is no longer in the library".into()),
        AlbumOf::NoFaces => "Photos without faces".into(),
        AlbumOf::Unassigned => "Other faces".into(),
    };
    // The faces this album is about, per photo.
    let faces = move || -> Vec<FaceKey> {
        match of {
            AlbumOf::Person(_) => found().map(|p| p.faces).unwrap_or_default(),
            AlbumOf::NoFaces => Vec::new(),
            AlbumOf::Unassigned => st.book.with(|b| b.unassigned()),
        }
    };
    let photos = move || {
        let faces = faces();
        st.photos.with(|all| {
            all.iter()
                .filter(|p| match of {
                    AlbumOf::NoFaces => p.faces.is_empty(),
                    _ => faces.iter().any(|f| f.photo.0 == p.id),
                })
                .map(|p| {
                    let boxed: Vec<usize> = faces
                        .iter()
                        .filter(|f| f.photo.0 == p.id)
                        .map(|f| f.index as usize)
                        .collect();
                    (p.clone(), boxed)
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
        AlbumOf::Unassigned => Screen::Unassigned,
    };
    let selected = RwSignal::new(Vec::<u32>::new());
    let selectable = of != AlbumOf::NoFaces;
    view! {
        <section class="album">
            <div class="toolbar">
                <button on:click=move |_| st.back()>"Back to people"</button>
                <h2>{title}</h2>
                <Show when=move || found().is_some()>
                    <button on:click=move |_| if let Some(p) = found() { wasm_bindgen_futures::spawn_local(download::album_zip(st, p)) }>"Download album (zip)"</button>
                    <button on:click=move |_| if let Some(p) = found() { wasm_bindgen_futures::spawn_local(download::crops_zip(st, p)) }>"Download face crops (zip)"</button>
                </Show>
            </div>
            {person_id.map(|id| view! { <PersonTools id=id /> <super::history::PersonTimeline id=id /> })}
            {selectable.then(|| view! { <FaceTools of=of selected=selected faces=Signal::derive(faces) /> })}
            <ul role="list" aria-label=list_label class="photos">
                <For each=photos key=|(p, boxed)| (p.id, boxed.clone()) let:item>
                    {
                        let (photo, boxed) = item;
                        let back = back_to.clone();
                        let id = photo.id;
                        let name = photo.name.clone();
                        view! {
                            <li role="listitem" data-file=photo.name.clone()>
                                <button data-photo-id=id aria-label=format!("Open {}", photo.name) on:click=move |_| st.screen.set(Screen::Photo { photo: id, back: Box::new(back.clone()) })>
                                    <Framed photo=photo.clone() boxed=Some(boxed) src=photo.thumb_url.clone() />
                                </button>
                                {selectable.then(|| view! { <Pick label=format!("Select {name}") item=id selected=selected /> })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// Rename and hide, on a person's page.
#[component]
fn PersonTools(id: PersonId) -> impl IntoView {
    let st = expect_context::<AppState>();
    let current = Memo::new(move |_| st.book.with(|b| b.person(id).map(|p| p.display_name())));
    let current = move || current.get();
    let name = RwSignal::new(current().unwrap_or_default());
    // Follow undo/redo and merges while the page is open.
    Effect::new(move |_| {
        if let Some(n) = current() {
            name.set(n);
        }
    });
    let rename = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let typed = name.get_untracked();
        edit::run(st, move |b| {
            let before = b.person(id).map(|p| p.display_name()).unwrap_or_default();
            b.rename(id, &typed)?;
            Ok(format!(
                "renamed {before} to {}",
                b.person(id).map(|p| p.display_name()).unwrap_or_default()
            ))
        });
    };
    let hide = move |_| {
        edit::run(st, move |b| {
            b.set_hidden(id, true)?;
            Ok(format!(
                "{} is hidden: out of the grid and downloads (show them again under Hidden people)",
                b.person(id).map(|p| p.display_name()).unwrap_or_default()
            ))
        });
        st.back();
    };
    view! {
        <Show when=move || current().is_some()>
            <div class="person-tools">
                <form class="rename" on:submit=rename>
                    <label>
                        "Name "
                        <input type="text" aria-label="Name" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                    </label>
                    <button type="submit">"Rename"</button>
                </form>
                <button on:click=hide>{move || format!("Hide {}", current().unwrap_or_default())}</button>
            </div>
        </Show>
    }
}

/// Acts on the ticked photos' faces: move them to a new or another person,
/// take them away from this person, or make one the cover.
#[component]
fn FaceTools(
    of: AlbumOf,
    selected: RwSignal<Vec<u32>>,
    faces: Signal<Vec<FaceKey>>,
) -> impl IntoView {
    let st = expect_context::<AppState>();
    let picked = move || {
        let photos = selected.get();
        faces
            .get()
            .into_iter()
            .filter(|f| photos.contains(&f.photo.0))
            .collect::<Vec<_>>()
    };
    let target = RwSignal::new(String::from("new"));
    let others = move || {
        st.people
            .get()
            .into_iter()
            .filter(|p| AlbumOf::Person(p.id) != of)
            .map(|p| (p.id, p.name))
            .collect::<Vec<_>>()
    };
    let move_faces = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let keys = picked();
        let to = match target.get_untracked().parse::<u32>() {
            Ok(id) => MoveTo::Person(PersonId(id)),
            Err(_) => MoveTo::NewPerson,
        };
        edit::run(st, move |b| {
            // A grouping may have moved faces since they were ticked: act only
            // on those still here.
            let keys = still_here(b, of, &keys);
            let id = b.move_faces(&keys, to)?;
            // Everyone moved out: follow them rather than show an empty page.
            if let AlbumOf::Person(from) = of {
                if b.person(from).is_none() {
                    st.screen.set(Screen::Album(id));
                }
            }
            Ok(format!(
                "moved {} to {}",
                face_count(keys.len()),
                b.person(id).map(|p| p.display_name()).unwrap_or_default()
            ))
        });
        selected.set(Vec::new());
    };
    let remove = move |_| {
        let keys = picked();
        edit::run(st, move |b| {
            let keys = still_here(b, of, &keys);
            b.remove_faces(&keys)?;
            Ok(format!(
                "took {} away; {} will not be given back automatically",
                face_count(keys.len()),
                if keys.len() == 1 { "it" } else { "they" }
            ))
        });
        selected.set(Vec::new());
    };
    let cover = move |_| {
        if let (AlbumOf::Person(id), [key]) = (of, picked().as_slice()) {
            let key = *key;
            edit::run(st, move |b| {
                b.set_cover(id, key)?;
                Ok("the picture in the grid is changed".to_string())
            });
        }
        selected.set(Vec::new());
    };
    view! {
        <Show when=move || !picked().is_empty()>
            <form class="face-tools" aria-label="Selected faces" on:submit=move_faces>
                <span>{move || format!("{} selected", face_count(picked().len()))}</span>
                <label>
                    "Move to "
                    <select aria-label="Move to" on:change=move |e| target.set(event_target_value(&e)) prop:value=move || target.get()>
                        <option value="new">"A new person"</option>
                        {move || others().into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Move"</button>
                {matches!(of, AlbumOf::Person(_)).then(|| view! {
                    <button type="button" on:click=remove>"Not this person"</button>
                    <Show when=move || picked().len() == 1>
                        <button type="button" on:click=cover>"Use as the picture"</button>
                    </Show>
                })}
                <button type="button" on:click=move |_| selected.set(Vec::new())>"Clear selection"</button>
            </form>
        </Show>
    }
}

/// The faces among `keys` that are still in the album `of`.
fn still_here(book: &crate::people::book::Book, of: AlbumOf, keys: &[FaceKey]) -> Vec<FaceKey> {
    keys.iter()
        .filter(|k| book.face(**k).is_some_and(|f| f.person == of.person()))
        .copied()
        .collect()
}

/// An image with face boxes drawn over it (only the `boxed` faces when given).
#[component]
pub fn Framed(photo: PhotoView, boxed: Option<Vec<usize>>, src: String) -> impl IntoView {
    let boxes = photo
        .faces
        .iter()
        .enumerate()
        .filter(|(i, _)| boxed.as_ref().is_none_or(|b| b.contains(i)))
        .map(|(_, f)| face_box(&f.bbox, photo.width, photo.height))
        .collect_view();
    view! {
        <span class="framed">
            <img src=src alt="" />
            {boxes}
        </span>
    }
}

fn face_box(b: &FaceBox, w: u32, h: u32) -> impl IntoView {
    let pct = |v: f32, of: u32| format!("{:.2}%", 100.0 * v / of as f32);
    view! {
        <span
            class="face-box"
            data-face-box=""
            style:left=pct(b.left, w)
            style:top=pct(b.top, h)
            style:width=pct(b.width(), w)
            style:height=pct(b.height(), h)
        ></span>
    }
}

#[component]
fn PhotoViewer(id: u32) -> impl IntoView {
    let st = expect_context::<AppState>();
    let photo = st
        .photos
        .with_untracked(|p| p.iter().find(|p| p.id == id).cloned());
    // The original file, shown by the browser itself (which applies EXIF
    // orientation); released when the viewer closes.
    let url = super::state::LOCAL
        .with(|l| l.borrow().files.get(&id).cloned())
        .and_then(|f| web_sys::Url::create_object_url_with_blob(&f).ok())
        .unwrap_or_default();
    let revoke = url.clone();
    on_cleanup(move || {
        let _ = web_sys::Url::revoke_object_url(&revoke);
    });
    let close = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close.get() {
            let _ = b.focus();
        }
    });
    let Some(photo) = photo else {
        return view! { <p>"This photo is no longer available."</p> }.into_any();
    };
    let name = photo.name.clone();
    view! {
        <section class="viewer" role="dialog" aria-label=name.clone()>
            <div class="toolbar">
                <button node_ref=close on:click=move |_| st.back()>"Close"</button>
                <h2>{name.clone()}</h2>
                <button on:click=move |_| download::save_photo(st, id)>"Download photo"</button>
            </div>
            <Framed photo=photo.clone() boxed=None src=url />
        </section>
    }
    .into_any()
}
