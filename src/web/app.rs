//! The page: import, progress, the people grid, albums and the photo viewer.

use super::download;
use super::import::{from_file_list, read_drop, take_drop};
use super::session::{clear_library, restore, start};
use super::state::{photo_count, AppState, Phase, PhotoView, Screen};
use crate::geometry::FaceBox;
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
    wasm_bindgen_futures::spawn_local(restore(st));
    let _escape = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape" {
            st.back();
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
            {move || match st.screen.get() {
                Screen::People => view! { <PeopleGrid /> }.into_any(),
                Screen::Album(key) => view! { <Album person=Some(key) /> }.into_any(),
                Screen::NoFaces => view! { <Album person=None /> }.into_any(),
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
    let has_photos = move || st.photos.with(|p| !p.is_empty());
    view! {
        <Show when=has_photos>
            <section class="people">
                <div class="toolbar">
                    <h2>"People"</h2>
                    <Show when=move || st.phase.get() == Phase::Done>
                        <button on:click=move |_| wasm_bindgen_futures::spawn_local(download::everything_zip(st))>"Download everything (zip)"</button>
                    </Show>
                </div>
                <ul role="list" aria-label="People" class="grid">
                    <For each=move || st.people.get() key=|p| (p.key, p.photos.len(), p.name.clone()) let:person>
                        <li role="listitem">
                            <button
                                class="person"
                                data-person-key=person.key
                                aria-label=format!("{}, {}", person.name, person.count_label())
                                on:click=move |_| st.screen.set(Screen::Album(person.key))
                            >
                                <img src=person.cover_url.clone() alt="" />
                                <span class="name">{person.name.clone()}</span>
                                <span class="count">{person.count_label()}</span>
                            </button>
                        </li>
                    </For>
                </ul>
                <Show when=move || no_faces() != 0>
                    <button class="no-faces" aria-label=move || format!("Photos without faces, {}", photo_count(no_faces())) on:click=move |_| st.screen.set(Screen::NoFaces)>
                        "Photos without faces " <span class="count">{move || photo_count(no_faces())}</span>
                    </button>
                </Show>
            </section>
        </Show>
    }
}

/// A person's album (`Some(key)`) or the photos without faces (`None`).
#[component]
fn Album(person: Option<u32>) -> impl IntoView {
    let st = expect_context::<AppState>();
    let found = move || person.and_then(|k| st.people.get().into_iter().find(|p| p.key == k));
    let title = move || {
        found()
            .map(|p| p.name)
            .unwrap_or_else(|| "Photos without faces".into())
    };
    let photos = move || {
        let ids = found().map(|p| p.photos);
        st.photos.with(|all| {
            all.iter()
                .filter(|p| {
                    ids.as_ref()
                        .map_or(p.faces.is_empty(), |ids| ids.contains(&p.id))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let list_label = move || {
        if person.is_some() {
            format!("Photos of {}", title())
        } else {
            "Photos without faces".into()
        }
    };
    let back_to = match person {
        Some(k) => Screen::Album(k),
        None => Screen::NoFaces,
    };
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
            <ul role="list" aria-label=list_label class="photos">
                <For each=photos key=|p| (p.id, p.faces.iter().map(|f| f.person).collect::<Vec<_>>()) let:photo>
                    {
                        let back = back_to.clone();
                        let id = photo.id;
                        view! {
                            <li role="listitem" data-file=photo.name.clone()>
                                <button data-photo-id=id aria-label=format!("Open {}", photo.name) on:click=move |_| st.screen.set(Screen::Photo { photo: id, back: Box::new(back.clone()) })>
                                    <Framed photo=photo.clone() only=person src=photo.thumb_url.clone() />
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// An image with face boxes drawn over it (only `only`'s faces when given).
#[component]
fn Framed(photo: PhotoView, only: Option<u32>, src: String) -> impl IntoView {
    let boxes = photo
        .faces
        .iter()
        .filter(|f| only.is_none() || f.person == only)
        .map(|f| face_box(&f.bbox, photo.width, photo.height))
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
            <Framed photo=photo.clone() only=None src=url />
        </section>
    }
    .into_any()
}
