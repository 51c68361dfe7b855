//! Where faces go when they are moved by hand: a new person, or one of the
//! people (an album's selected faces, or one face in the photo viewer).

use super::context::use_app;
use crate::people::cluster::PersonId;
use crate::people::edit::MoveTo;
use leptos::prelude::*;

/// The `<option>` value for a new person (people's are their ids).
const NEW_PERSON: &str = "new";

/// A chooser of where faces move to. `except`, the person they are in now,
/// is not offered.
#[component]
pub fn MoveTarget(
    label: String,
    to: RwSignal<MoveTo>,
    #[prop(into)] except: Signal<Option<PersonId>>,
) -> impl IntoView {
    let (library, _) = use_app();
    let others = move || {
        let except = except.get();
        library.people().with(|ps| {
            ps.iter()
                .filter(|p| Some(p.id) != except)
                .map(|p| (p.id, p.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let value = move || match to.get() {
        MoveTo::Person(id) => id.0.to_string(),
        MoveTo::NewPerson => NEW_PERSON.to_string(),
    };
    let chosen = move |value: String| {
        value
            .parse()
            .map(|id| MoveTo::Person(PersonId(id)))
            .unwrap_or(MoveTo::NewPerson)
    };
    view! {
        <select
            aria-label=label
            on:change=move |e| to.set(chosen(event_target_value(&e)))
            prop:value=value
        >
            <option value=NEW_PERSON>"A new person"</option>
            {move || {
                others()
                    .into_iter()
                    .map(|(id, name)| {
                        view! { <option value=id.0.to_string()>{name}</option> }
                    })
                    .collect_view()
            }}
        </select>
    }
}
