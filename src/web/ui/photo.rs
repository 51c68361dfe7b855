//! A photo with its faces framed, and the photo viewer.

use super::context::{correct, use_app, Screen};
use super::move_target::MoveTarget;
use super::preview::{object_url, PreviewImage};
use super::words::face_count;
use crate::face::geometry::FaceBox;
use crate::people::book::FaceKey;
use crate::people::cluster::PhotoId;
use crate::people::edit::{Correction, MoveTo};
use crate::web::services::library::EditNote;
use crate::web::services::views::{PhotoView, Preview};
use crate::web::services::{download, originals};
use leptos::ev;
use leptos::prelude::*;

/// An image with face boxes drawn over it (only the `boxed` faces when given),
/// each with its number when `numbered` (the viewer's list of faces uses it).
#[component]
pub fn Framed(
    photo: PhotoView,
    boxed: Option<Vec<usize>>,
    #[prop(into)] src: Signal<Option<String>>,
    #[prop(optional)] numbered: bool,
) -> impl IntoView {
    let numbers = numbered.then(|| face_numbers(&photo));
    let boxes = photo
        .faces
        .iter()
        .enumerate()
        .filter(|(i, _)| boxed.as_ref().is_none_or(|b| b.contains(i)))
        .map(|(i, f)| {
            face_box(
                &f.bbox,
                photo.width,
                photo.height,
                numbers.as_ref().and_then(|n| n.get(i).copied()),
            )
        })
        .collect_view();
    view! {
        <span class="framed">
            <img src=src alt="" />
            {boxes}
        </span>
    }
}

/// Each face's number as the viewer shows it: left to right, as the photo is
/// read (the detector's order is by confidence).
fn face_numbers(photo: &PhotoView) -> Vec<usize> {
    let mut order: Vec<usize> = (0..photo.faces.len()).collect();
    order.sort_by(|&a, &b| {
        photo.faces[a]
            .bbox
            .left
            .total_cmp(&photo.faces[b].bbox.left)
    });
    let mut numbers = vec![0; order.len()];
    for (at, i) in order.into_iter().enumerate() {
        numbers[i] = at + 1;
    }
    numbers
}

/// The photo's thumbnail, read while the calling component is on screen.
pub fn thumb_url(photo: &PhotoView) -> Signal<Option<String>> {
    let thumb = photo.thumb.clone();
    object_url(async move { thumb.image().await.ok() })
}

fn face_box(b: &FaceBox, w: u32, h: u32, number: Option<usize>) -> impl IntoView {
    let pct = |v: f32, of: u32| format!("{:.2}%", 100.0 * v / of as f32);
    view! {
        <span
            class="face-box"
            data-face-box=""
            style:left=pct(b.left, w)
            style:top=pct(b.top, h)
            style:width=pct(b.width(), w)
            style:height=pct(b.height(), h)
        >
            {number
                .map(|n| {
                    let class = if b.top < 0.1 * h as f32 {
                        "face-number inside"
                    } else {
                        "face-number"
                    };
                    // Above the box, unless that would be off the photo.
                    view! {
                        <span class=class aria-hidden="true">
                            {n}
                        </span>
                    }
                })}
        </span>
    }
}

#[component]
pub fn PhotoViewer(id: PhotoId) -> impl IntoView {
    let (library, ui) = use_app();
    let photo = library.photo(id);
    // The original file, shown by the browser itself (which applies EXIF
    // orientation), from the library or the folder it stays in; released
    // when the viewer closes. Until then, or if it cannot be read, the
    // thumbnail.
    let thumb = photo.as_ref().map(|p| p.thumb.clone());
    let thumb = object_url(async move { thumb?.image().await.ok() });
    let unreadable = RwSignal::new(None::<String>);
    let original = library.original(id);
    let name = photo.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let full = object_url(async move {
        let folders = library.folders().get_untracked();
        match originals::open(&original?, &name, &folders).await {
            Ok(file) => Some(file),
            Err(e) => {
                let _ = unreadable.try_set(Some(e.to_string()));
                None
            }
        }
    });
    let src = Signal::derive(move || full.get().or_else(|| thumb.get()));
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
        <section class="viewer" aria-label=name.clone()>
            <div class="toolbar">
                <button node_ref=close on:click=move |_| ui.back()>
                    "Close"
                </button>
                <h2 tabindex="-1">{name.clone()}</h2>
                <button on:click=move |_| wasm_bindgen_futures::spawn_local(
                    download::save_photo(library, id),
                )>"Download photo"</button>
            </div>
            {move || {
                unreadable
                    .get()
                    .map(|why| {
                        view! {
                            <p class="note" role="status">
                                {format!("Showing a preview: {why}.")}
                            </p>
                        }
                    })
            }}
            <Framed photo=photo.clone() boxed=None src=src numbered=true />
            <FacesInPhoto photo=photo.clone() />
        </section>
    }
    .into_any()
}

/// Who each face of the photo is, with a correction for each: the one place
/// a single face can be picked (an album's tick takes all of the person's
/// faces in a photo, which matters once a mistaken merge put two there).
#[component]
fn FacesInPhoto(photo: PhotoView) -> impl IntoView {
    let count = photo.faces.len();
    let mut numbered: Vec<(usize, usize)> = face_numbers(&photo).into_iter().enumerate().collect();
    numbered.sort_by_key(|&(_, number)| number);
    let rows = numbered
        .into_iter()
        .map(|(i, number)| {
            let key = FaceKey {
                photo: photo.id,
                index: i as u32,
            };
            let crop = photo.faces[i].crop.clone();
            view! { <FaceRow face=key number=number crop=crop /> }
        })
        .collect_view();
    (count > 0).then(|| {
        view! {
            <section class="faces-here" aria-labelledby="faces-here">
                <h3 id="faces-here">{format!("{} in this photo", face_count(count))}</h3>
                <ol aria-labelledby="faces-here">{rows}</ol>
            </section>
        }
    })
}

#[component]
fn FaceRow(face: FaceKey, number: usize, crop: Preview) -> impl IntoView {
    let (library, ui) = use_app();
    let person = Memo::new(move |_| library.book().with(|b| b.person_of(face)));
    let name = Memo::new(move |_| {
        let person = person.get()?;
        library
            .book()
            .with(|b| b.person(person).map(|p| p.display_name()))
    });
    let target = RwSignal::new(MoveTo::NewPerson);
    // The row keeps focus once its buttons change under it.
    let row = NodeRef::<leptos::html::Li>::new();
    let refocus = move |_: &EditNote| {
        if let Some(row) = row.get_untracked() {
            let _ = row.focus();
        }
    };
    let not = move |_| {
        if let Some(from) = person.get_untracked() {
            let faces = vec![face];
            correct(library, Correction::Remove { faces, from }, refocus);
        }
    };
    let move_face = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let to = target.get_untracked();
        let from = person.get_untracked();
        let correction = Correction::Move {
            faces: vec![face],
            from,
            to,
        };
        correct(library, correction, move |note| {
            // Kept when refused, to try again.
            if let EditNote::Applied(_) = note {
                target.set(MoveTo::NewPerson);
            }
            refocus(note);
        });
    };
    view! {
        <li tabindex="-1" node_ref=row data-face=number>
            <PreviewImage preview=crop />
            <span class="who">
                {move || {
                    format!(
                        "{number}. {}",
                        name.get().unwrap_or_else(|| "In nobody's album (Other faces)".into()),
                    )
                }}
            </span>
            {move || {
                person
                    .get()
                    .zip(name.get())
                    .map(|(id, who)| {
                        view! {
                            <button on:click=move |_| {
                                ui.open(Screen::Album(id))
                            }>{format!("Open {who}")}</button>
                            <button on:click=not aria-label=format!("Face {number} is not {who}")>
                                {format!("Not {who}")}
                            </button>
                        }
                    })
            }}
            <form class="move-face" on:submit=move_face>
                <label>
                    "Move to "
                    <MoveTarget
                        label=format!("Move to (face {number})")
                        to=target
                        except=Signal::derive(move || person.get())
                    />
                </label>
                <button type="submit" aria-label=format!("Move face {number}")>
                    "Move"
                </button>
            </form>
        </li>
    }
}
