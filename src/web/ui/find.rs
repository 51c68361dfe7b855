//! "Find me": drop one or more photos of a person (a selfie), pick their face
//! if there are several, and see every photo of the library with them, best
//! match first. The library's stored embeddings are searched as they are:
//! nothing is reprocessed, and the reference photos are not added.

use super::context::{correct, use_app, Screen, Ui};
use super::photo::{thumb_url, Framed};
use super::search::{ChosenFile, Reference, ReferenceFace, ReferenceState};
use super::words::{face_count, photo_count};
use crate::face::embedding::Embedding;
use crate::people::book::{FaceKey, MAX_NAME_CHARS};
use crate::people::cluster::PhotoId;
use crate::people::edit::Correction;
use crate::people::search::{rank, references_disagree, Match, DEFAULT_MIN_SIMILARITY};
use crate::web::services::export::{self, Exports};
use crate::web::services::import::{accept_attribute, files_in};
use crate::web::services::library::{object_url, Library};
use crate::web::services::views::Photo;
use crate::wire::export::safe_name;
use leptos::ev;
use leptos::prelude::*;

/// Analyses reference photos on the worker pool (loading it if need be).
fn add_references(library: Library, ui: Ui, files: Vec<web_sys::File>) {
    let chosen = files.iter().map(|f| ChosenFile {
        name: f.name(),
        size: f.size() as u64,
        modified_ms: f.last_modified() as u64,
    });
    let ids = ui.find.try_update(|s| s.add(chosen)).unwrap_or_default();
    let refs: Vec<(u32, web_sys::File)> = ids
        .into_iter()
        .zip(files)
        .filter_map(|(id, file)| Some((id?, file)))
        .collect();
    wasm_bindgen_futures::spawn_local(async move {
        for (id, file) in refs {
            let state = match library.analyse_reference(&file).await {
                Err(e) => ReferenceState::Failed(e.to_string()),
                Ok(report) if report.faces.is_empty() => {
                    ReferenceState::Failed("no face was found in it".into())
                }
                Ok(report) => {
                    let only = report.faces.len() == 1;
                    ReferenceState::Faces(
                        report
                            .faces
                            .into_iter()
                            .map(|f| ReferenceFace {
                                crop_url: object_url(&f.crop_jpeg),
                                embedding: f.embedding,
                                chosen: only,
                            })
                            .collect(),
                    )
                }
            };
            let gone = ui
                .find
                .try_update(|s| match s.references.iter_mut().find(|r| r.id == id) {
                    Some(r) => {
                        r.state = state;
                        None
                    }
                    // Removed while it was read.
                    None => Some(state),
                })
                .flatten();
            if let Some(state) = gone {
                state.crop_urls().into_iter().for_each(revoke);
            }
        }
    });
}

fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Every photo's best match to `references`, best first.
fn ranked(photos: &[Photo], references: &[Embedding]) -> Vec<Match> {
    let references: Vec<&Embedding> = references.iter().collect();
    rank(
        &references,
        photos.iter().flat_map(|p| {
            p.faces.iter().enumerate().map(move |(i, f)| {
                let key = FaceKey {
                    photo: p.view.id,
                    index: i as u32,
                };
                (key, &f.embedding)
            })
        }),
    )
}

#[component]
pub fn FindMe() -> impl IntoView {
    let (library, ui) = use_app();
    // Ranking follows the chosen faces and the library, not the threshold.
    let chosen = Memo::new(move |_| {
        ui.find
            .with(|s| s.chosen().into_iter().cloned().collect::<Vec<Embedding>>())
    });
    let all = Memo::new(move |_| library.photos().with(|p| chosen.with(|c| ranked(p, c))));
    let matches = move || {
        let min = ui.find.with(|s| s.min_similarity);
        all.get()
            .into_iter()
            .filter(|m| m.similarity >= min)
            .collect::<Vec<_>>()
    };
    let picked = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        let files = files_in(input.files());
        input.set_value("");
        add_references(library, ui, files);
    };
    // The natural place to drop a selfie: it must not reach the library.
    let dropped = move |e: ev::DragEvent| {
        e.prevent_default();
        let files = files_in(e.data_transfer().and_then(|t| t.files()));
        add_references(library, ui, files);
    };
    let has_references = move || ui.find.with(|s| !s.chosen().is_empty());
    let disagree =
        Memo::new(move |_| chosen.with(|c| references_disagree(&c.iter().collect::<Vec<_>>())));
    let name = RwSignal::new(String::new());
    let save = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let faces: Vec<FaceKey> = matches().iter().map(|m| m.face).collect();
        let name = name.get_untracked();
        correct(library, Correction::NewPerson { faces, name }, |_| {});
    };
    let exports = expect_context::<Exports>();
    let download_matches = move |_| {
        let ids: Vec<PhotoId> = matches().iter().map(|m| m.face.photo).collect();
        // Named for the person once the user has typed who it is.
        let typed = name.get_untracked();
        let file_name = match typed.trim() {
            "" => "Matches.zip".to_string(),
            who => format!("{}.zip", safe_name(who)),
        };
        wasm_bindgen_futures::spawn_local(export::photos_zip(library, exports, ids, file_name));
    };
    view! {
        <section
            class="find-me"
            aria-label="Find a person"
            on:dragover=move |e: ev::DragEvent| e.prevent_default()
            on:drop=dropped
        >
            <div class="toolbar">
                <button on:click=move |_| ui.back()>"Back to people"</button>
                <h2 tabindex="-1">"Find a person"</h2>
            </div>
            <p class="note">
                "Drop or choose one or more photos of the person (a selfie works). More than one photo makes the search surer. They are only compared with your library, not added to it."
            </p>
            <label class="button">
                "Choose reference photos"
                <input
                    type="file"
                    multiple
                    accept=accept_attribute()
                    aria-label="Choose reference photos"
                    on:change=picked
                />
            </label>
            <ul role="list" aria-label="Reference photos" class="references">
                <For
                    each=move || ui.find.get().references
                    key=|r| (r.id, r.state.stage())
                    let:reference
                >
                    <ReferenceItem reference=reference />
                </For>
            </ul>
            <p class="caution" role="status" data-testid="references-disagree">
                {move || {
                    disagree
                        .get()
                        .then_some(
                            "These faces look like different people: only photos close to all of them are found. Remove the ones that are not the person.",
                        )
                }}
            </p>
            <Show when=has_references>
                <div class="threshold">
                    <label>
                        "Minimum similarity "
                        <input
                            type="range"
                            min="0"
                            max="1"
                            step="0.01"
                            aria-label="Minimum similarity"
                            prop:value=move || format!("{:.2}", ui.find.with(|s| s.min_similarity))
                            on:input=move |e| {
                                if let Ok(v) = event_target_value(&e).parse::<f32>() {
                                    ui.find.update(|s| s.min_similarity = v);
                                }
                            }
                        />
                    </label>
                    <output data-testid="min-similarity">
                        {move || format!("{:.2}", ui.find.with(|s| s.min_similarity))}
                    </output>
                    <button on:click=move |_| {
                        ui.find.update(|s| s.min_similarity = DEFAULT_MIN_SIMILARITY)
                    }>"Default"</button>
                </div>
                <p data-testid="match-count" aria-live="polite">
                    {move || format!("{} with this person", photo_count(matches().len()))}
                </p>
                <Show when=move || !matches().is_empty()>
                    <div class="find-actions">
                        <form on:submit=save>
                            <label>
                                "Name "
                                <input
                                    type="text"
                                    aria-label="Name for this person"
                                    maxlength=MAX_NAME_CHARS.to_string()
                                    prop:value=move || name.get()
                                    on:input=move |e| name.set(event_target_value(&e))
                                />
                            </label>
                            <button type="submit">"Save as a person"</button>
                        </form>
                        <button on:click=download_matches>"Download matches (zip)"</button>
                    </div>
                </Show>
                <ul role="list" aria-label="Matches" class="photos">
                    <For each=matches key=|m| (m.face, (m.similarity * 1000.0) as i32) let:m>
                        <MatchItem found=m />
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn ReferenceItem(reference: Reference) -> impl IntoView {
    let (_, ui) = use_app();
    let id = reference.id;
    let name = reference.file.name.clone();
    let body = match reference.state {
        ReferenceState::Reading => {
            view! { <span class="note">"Looking for faces…"</span> }.into_any()
        }
        ReferenceState::Failed(why) => {
            // Said as it happens: the list changes away from where focus is.
            view! {
                <span class="refused" role="alert">
                    {format!("{name}: {why}")}
                </span>
            }
            .into_any()
        }
        ReferenceState::Faces(faces) => {
            let several = faces.len() > 1;
            let count = faces.len();
            view! {
                {several
                    .then(|| {
                        view! {
                            <span class="note">
                                {format!("{} in {name}: choose the person.", face_count(count))}
                            </span>
                        }
                    })}
                {faces
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let label = format!("Use face {} of {}", i + 1, name);
                        view! {
                            <button
                                class="reference-face"
                                aria-pressed=move || {
                                    let chosen = ui
                                        .find
                                        .with(|s| {
                                            s.references
                                                .iter()
                                                .any(|r| r.id == id && r.state.is_chosen(i))
                                        });
                                    if chosen { "true" } else { "false" }
                                }
                                aria-label=label
                                on:click=move |_| {
                                    ui.find
                                        .update(|s| {
                                            if let Some(ReferenceState::Faces(faces)) = s
                                                .references
                                                .iter_mut()
                                                .find(|r| r.id == id)
                                                .map(|r| &mut r.state)
                                            {
                                                faces[i].chosen = !faces[i].chosen;
                                            }
                                        })
                                }
                            >
                                <img src=f.crop_url.clone() alt="" />
                            </button>
                        }
                    })
                    .collect_view()}
            }
            .into_any()
        }
    };
    view! {
        <li role="listitem" data-file=reference.file.name.clone()>
            {body}
            <button on:click=move |_| {
                if let Some(removed) = ui.find.try_update(|s| s.remove(id)).flatten() {
                    removed.state.crop_urls().into_iter().for_each(revoke);
                }
            }>{format!("Remove {}", reference.file.name)}</button>
        </li>
    }
}

#[component]
fn MatchItem(found: Match) -> impl IntoView {
    let (library, ui) = use_app();
    let photo = library.photo(found.face.photo);
    let Some(photo) = photo else {
        return ().into_any();
    };
    let id = photo.id;
    let similarity = format!("similarity {:.2}", found.similarity);
    view! {
        <li
            role="listitem"
            data-file=photo.name.clone()
            data-similarity=format!("{:.3}", found.similarity)
        >
            <button
                data-photo-id=id.0
                aria-label=format!("Open {}, {}", photo.name, similarity)
                on:click=move |_| {
                    ui.open(Screen::Photo {
                        photo: id,
                        back: Box::new(Screen::FindMe),
                    })
                }
            >
                <Framed
                    photo=photo.clone()
                    boxed=Some(vec![found.face.index as usize])
                    src=thumb_url(&photo)
                />
            </button>
            <span class="similarity">{similarity}</span>
        </li>
    }
    .into_any()
}
