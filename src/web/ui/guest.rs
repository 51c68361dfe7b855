//! A guest's page: the same app, opened on a gallery folder (its
//! `index.html` names the gallery). The guest types the code, then either
//! sees their album (an album code) or takes or drops a selfie and sees the
//! photos they are in, best match first, with the threshold Find uses. The
//! selfie is analysed on this device; nothing is sent anywhere.

use super::focus::focus_soon;
use super::preview::object_url;
use crate::people::search::{Match, DEFAULT_MIN_SIMILARITY};
use crate::web::js::blob;
use crate::web::services::download;
use crate::web::services::gallery::{self, start_pool, GuestError, GuestPool};
use crate::web::services::import::accept_attribute;
use crate::wire::gallery::{GalleryHeader, GuestIndex, GuestPhoto, Sealed, FROM_DISK_NOTE_ID};
use crate::wire::worker::FaceReport;
use leptos::ev;
use leptos::prelude::*;

/// Where the guest is, for `<body data-state>` (tests wait on it).
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Loading,
    /// The gallery's header could not be read: nothing can be done.
    Broken(String),
    Locked,
    Opening,
    Open,
}

impl Stage {
    fn as_str(&self) -> &'static str {
        match self {
            Stage::Loading => "loading",
            Stage::Broken(_) => "broken",
            Stage::Locked => "locked",
            Stage::Opening => "opening",
            Stage::Open => "open",
        }
    }
}

/// Mounts the guest's page for the gallery whose header is at `header`.
pub fn mount(header: String) {
    console_error_panic_hook::set_once();
    // The app runs: the note for a gallery opened from disk is not needed.
    if let Some(note) = document().get_element_by_id(FROM_DISK_NOTE_ID) {
        note.remove();
    }
    leptos::mount::mount_to_body(move || view! { <Guest header=header.clone() /> });
}

#[component]
fn Guest(header: String) -> impl IntoView {
    let stage = RwSignal::new(Stage::Loading);
    let read = RwSignal::new_local(None::<(GalleryHeader, Vec<u8>)>);
    let opened = RwSignal::new(None::<GuestIndex>);
    let wrong = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let pool = StoredValue::new_local(None::<GuestPool>);
    Effect::new(move |_| {
        let state = stage.with(Stage::as_str);
        if let Some(body) = document().body() {
            let _ = body.dataset().set("state", state);
        }
    });
    wasm_bindgen_futures::spawn_local(async move {
        match gallery::read_header(&header).await {
            Ok(h) => {
                read.set(Some(h));
                stage.set(Stage::Locked);
            }
            Err(e) => stage.set(Stage::Broken(e.to_string())),
        }
    });
    let unlock = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let Some((header, salt)) = read.get_untracked() else {
            return;
        };
        wrong.set(None);
        stage.set(Stage::Opening);
        let typed = code.get_untracked();
        wasm_bindgen_futures::spawn_local(async move {
            match gallery::unlock(&header, &salt, &typed).await {
                Ok(open) => {
                    if open.album.is_none() {
                        pool.set_value(Some(start_pool()));
                    }
                    opened.set(Some(open));
                    stage.set(Stage::Open);
                }
                Err(e) => {
                    wrong.set(Some(sentence(&e)));
                    stage.set(Stage::Locked);
                }
            }
        });
    };
    let title = move || {
        opened
            .with(|o| o.as_ref().map(|o| o.title.clone()))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "A shared gallery".into())
    };
    // The tab (and a bookmark) is named for the gallery once it is open.
    Effect::new(move |_| document().set_title(&title()));
    view! {
        <header class="top">
            <h1>{title}</h1>
            <p class="tagline">
                "Photos shared with Facesort. They are encrypted: the code opens them on this device, and the photo of you stays on it."
            </p>
        </header>
        <main>
            {move || match stage.get() {
                Stage::Loading => view! { <p role="status">"Opening the gallery…"</p> }.into_any(),
                Stage::Broken(why) => {
                    view! {
                        <p class="error" role="alert">
                            {format!("This gallery cannot be opened: {why}.")}
                        </p>
                    }
                        .into_any()
                }
                Stage::Locked | Stage::Opening => {
                    view! {
                        <form class="unlock" on:submit=unlock aria-label="Open the gallery">
                            <label>
                                "Code "
                                <input
                                    type="text"
                                    bind:value=code
                                    autocomplete="off"
                                    autocapitalize="none"
                                    spellcheck="false"
                                    required
                                />
                            </label>
                            <button type="submit" disabled=move || stage.get() == Stage::Opening>
                                "Open"
                            </button>
                            <p role="status" aria-live="polite">
                                {move || (stage.get() == Stage::Opening).then_some("Opening…")}
                            </p>
                            <p class="error" role="alert" data-testid="code-error">
                                {move || wrong.get()}
                            </p>
                        </form>
                    }
                        .into_any()
                }
                Stage::Open => {
                    let index = opened.get_untracked();
                    match index {
                        Some(index) if index.album.is_some() => {
                            view! { <Album index=index /> }.into_any()
                        }
                        Some(index) => {
                            let pool = pool.get_value().unwrap_or_else(start_pool);
                            view! { <FindYourself index=index pool=pool /> }.into_any()
                        }
                        None => ().into_any(),
                    }
                }
            }}
        </main>
    }
}

fn sentence(e: &GuestError) -> String {
    let mut s = e.to_string();
    if let Some(first) = s.get(0..1) {
        s.replace_range(0..1, &first.to_uppercase());
    }
    s
}

/// A guest album: one person's photos, shown at once.
#[component]
fn Album(index: GuestIndex) -> impl IntoView {
    let name = index.album.clone().unwrap_or_default();
    let photos: Vec<(usize, f32)> = (0..index.photos.len()).map(|i| (i, 1.0)).collect();
    // The code opened it: the screen's heading takes focus, as the app's do.
    focus_soon(Vec::new());
    view! {
        <h2 tabindex="-1">{format!("Photos of {name}: {}.", index.photos.len())}</h2>
        <Results
            index=index
            photos=Signal::derive(move || photos.clone())
            zip_name=format!("{name}.zip")
            label=format!("Photos of {name}")
        />
    }
}

/// The selfie, then the photos the guest is in.
#[component]
fn FindYourself(index: GuestIndex, pool: GuestPool) -> impl IntoView {
    // The selfie's faces, largest first; the guest may choose another.
    let faces = RwSignal::new(Vec::<FaceReport>::new());
    let chosen = RwSignal::new(0usize);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let min = RwSignal::new(DEFAULT_MIN_SIMILARITY);
    let count = index.photos.len();
    let ranked = {
        let index = index.clone();
        Memo::new(move |_| {
            let at = chosen.get();
            faces.with(|f| {
                f.get(at)
                    .map(|f| index.find(&[&f.embedding]))
                    .unwrap_or_default()
            })
        })
    };
    let shown = Signal::derive(move || {
        let min = min.get();
        ranked.with(|r| {
            r.iter()
                .filter(|m: &&Match| m.similarity >= min)
                .map(|m| (m.face.photo.0 as usize, m.similarity))
                .collect::<Vec<_>>()
        })
    });
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let file = input.files().and_then(|f| f.get(0));
        input.set_value("");
        let Some(file) = file else { return };
        problem.set(None);
        // A new selfie (maybe another guest's, on a shared phone): the last
        // one's photos go, rather than stay beside what this one finds.
        faces.set(Vec::new());
        chosen.set(0);
        busy.set(true);
        let pool = pool.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match gallery::analyse_selfie(pool, &file).await {
                Ok(found) => faces.set(found),
                Err(e) => problem.set(Some(sentence(&e))),
            }
            busy.set(false);
        });
    };
    let searched = move || faces.with(|f| !f.is_empty());
    let several = move || faces.with(Vec::len) > 1;
    let face_numbers = move || (0..faces.with(Vec::len)).collect::<Vec<usize>>();
    focus_soon(Vec::new());
    view! {
        <section class="find" aria-label="Find yourself">
            <h2 tabindex="-1">"Find yourself"</h2>
            <p>
                {format!(
                    "{count} photos. Take or choose a photo of yourself to see the ones you are in: it is looked at on this device only.",
                )}
            </p>
            <label class="button">
                "Your photo…"
                <input
                    type="file"
                    accept=accept_attribute()
                    aria-label="Your photo"
                    // One selfie at a time: a second one's faces must not
                    // meet the first one's result.
                    disabled=busy
                    on:change=picked
                />
            </label>
            <Show when=several>
                <div class="selfie-faces" role="group" aria-labelledby="which-face">
                    <p id="which-face">
                        {move || {
                            format!(
                                "{} faces in your photo. Which one is you? The largest is used until you choose.",
                                faces.with(Vec::len),
                            )
                        }}
                    </p>
                    <For each=face_numbers key=|i| *i let:i>
                        <button
                            class="reference-face"
                            aria-pressed=move || if chosen.get() == i { "true" } else { "false" }
                            aria-label=move || format!("Face {} of {}", i + 1, faces.with(Vec::len))
                            on:click=move |_| chosen.set(i)
                        >
                            <FaceCrop jpeg=faces
                                .with_untracked(|f| f.get(i).map(|f| f.crop_jpeg.clone()))
                                .unwrap_or_default() />
                        </button>
                    </For>
                </div>
            </Show>
            <p role="status" aria-live="polite" data-testid="guest-status">
                {move || {
                    if busy.get() {
                        Some("Looking at your photo…".to_string())
                    } else if searched() {
                        let n = shown.with(Vec::len);
                        Some(
                            match n {
                                0 => {
                                    "You are in none of these photos at this similarity: try a lower one, or another photo of you."
                                        .to_string()
                                }
                                1 => "You are in 1 photo.".to_string(),
                                n => format!("You are in {n} photos."),
                            },
                        )
                    } else {
                        None
                    }
                }}
            </p>
            <p class="error" role="alert">
                {move || problem.get()}
            </p>
            <Show when=searched>
                <div class="threshold">
                    <label>
                        "Minimum similarity "
                        <input
                            type="range"
                            min="0.30"
                            max="0.70"
                            step="0.01"
                            aria-label="Minimum similarity"
                            prop:value=move || min.get().to_string()
                            on:input=move |e| {
                                if let Ok(v) = event_target_value(&e).parse::<f32>() {
                                    min.set(v);
                                }
                            }
                        />
                    </label>
                    <output>{move || format!("{:.2}", min.get())}</output>
                </div>
            </Show>
        </section>
        <Show when=searched>
            <Results
                index=index.clone()
                photos=shown
                zip_name="My photos.zip".to_string()
                label="Your photos".to_string()
            />
        </Show>
    }
}

/// A face cut from the selfie, shown while it is on screen.
#[component]
fn FaceCrop(jpeg: Vec<u8>) -> impl IntoView {
    let url = object_url(async move { Some(blob(&jpeg, "image/jpeg")) });
    view! { <img src=url alt="" /> }
}

/// Photos of the gallery (by position, with their similarity), their
/// thumbnails opened as they are shown, and downloads.
#[component]
fn Results(
    index: GuestIndex,
    photos: Signal<Vec<(usize, f32)>>,
    zip_name: String,
    /// The list's accessible name.
    label: String,
) -> impl IntoView {
    let index = StoredValue::new(index);
    let downloading = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let download_all = move |_| {
        let chosen: Vec<GuestPhoto> = index.with_value(|ix| {
            photos
                .get_untracked()
                .iter()
                .filter_map(|(i, _)| ix.photos.get(*i).cloned())
                .collect()
        });
        let zip_name = zip_name.clone();
        downloading.set(true);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = gallery::download_zip(chosen, &zip_name).await {
                problem.set(Some(sentence(&e)));
            }
            downloading.set(false);
        });
    };
    let count = move || photos.with(Vec::len);
    // One photo at a time, opened larger over the list; the browser's modal
    // dialog gives Escape, and focus back to the photo's button on close.
    let viewing = RwSignal::new(None::<usize>);
    let viewer = NodeRef::<leptos::html::Dialog>::new();
    let open = move |at: usize| {
        viewing.set(Some(at));
        if let Some(dialog) = viewer.get_untracked() {
            let _ = dialog.show_modal();
        }
    };
    let close = move |_| {
        if let Some(dialog) = viewer.get_untracked() {
            dialog.close();
        }
    };
    let viewed = move || {
        let at = viewing.get()?;
        index.with_value(|ix| ix.photos.get(at).cloned())
    };
    let viewed_name = move || viewed().map(|p| p.name);
    view! {
        <dialog
            class="guest-viewer"
            node_ref=viewer
            aria-label=viewed_name
            on:close=move |_| viewing.set(None)
        >
            <div class="toolbar">
                <button on:click=close>"Close"</button>
                <span class="name">{viewed_name}</span>
            </div>
            {move || { viewed().map(|p| view! { <SealedImage sealed=p.original alt=p.name /> }) }}
        </dialog>
        <Show when=move || count() != 0>
            <button on:click=download_all.clone() disabled=move || downloading.get()>
                {move || match count() {
                    1 => "Download this photo (zip)".to_string(),
                    n => format!("Download these {n} photos (zip)"),
                }}
            </button>
        </Show>
        <p class="error" role="alert">
            {move || problem.get()}
        </p>
        <ul role="list" aria-label=label class="guest-photos">
            <For each=move || photos.get() key=|(i, _)| *i let:found>
                {
                    let (i, similarity) = found;
                    let photo = index.with_value(|ix| ix.photos.get(i).cloned());
                    let names = index
                        .with_value(|ix| {
                            ix.photos.get(i).map(|p| ix.names_in(p).join(", ")).unwrap_or_default()
                        });
                    photo
                        .map(|photo| {
                            view! {
                                <li
                                    role="listitem"
                                    class="photo-card"
                                    data-similarity=format!("{similarity:.3}")
                                >
                                    <button
                                        class="open-photo"
                                        aria-label=format!("Open {} larger", photo.name)
                                        on:click=move |_| open(i)
                                    >
                                        <SealedImage
                                            sealed=photo.thumbnail.clone()
                                            alt=photo.name.clone()
                                        />
                                    </button>
                                    <span class="name">{photo.name.clone()}</span>
                                    <Show when={
                                        let any = !names.is_empty();
                                        move || any
                                    }>
                                        <span class="people">{names.clone()}</span>
                                    </Show>
                                    <DownloadOne photo=photo.clone() problem=problem />
                                </li>
                            }
                        })
                }
            </For>
        </ul>
    }
}

/// A sealed image, opened when shown; its object URL is let go with it.
#[component]
fn SealedImage(sealed: Sealed, alt: String) -> impl IntoView {
    let url = object_url(async move {
        let bytes = gallery::open_file(&sealed).await.ok()?;
        Some(blob(&bytes, "image/jpeg"))
    });
    view! { <img src=url alt=alt /> }
}

#[component]
fn DownloadOne(photo: GuestPhoto, problem: RwSignal<Option<String>>) -> impl IntoView {
    let label = format!("Download {}", photo.name);
    let save = move |_| {
        let photo = photo.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match gallery::open_file(&photo.original).await {
                Ok(bytes) => download::save(&blob(&bytes, ""), &photo.name),
                Err(e) => problem.set(Some(sentence(&e))),
            }
        });
    };
    view! {
        <button on:click=save aria-label=label>
            "Download"
        </button>
    }
}
