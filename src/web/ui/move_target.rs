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
    // Read by the options and by the check below: worked out once per change.
    let others = Memo::new(move |_| {
        let except = except.get();
        library.people().with(|ps| {
            ps.iter()
                .filter(|p| Some(p.id) != except)
                .map(|p| (p.id, p.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    // A chosen person who is no longer offered (merged away, or now the one
    // the faces are in) is not silently kept: the chooser shows a new person.
    Effect::new(move |_| {
        if let MoveTo::Person(id) = to.get() {
            if !others.with(|o| o.iter().any(|(p, _)| *p == id)) {
                to.set(MoveTo::NewPerson);
            }
        }
    });
    let chosen = move |value: String| {
        value
            .parse()
            .map(|id| MoveTo::Person(PersonId(id)))
            .unwrap_or(MoveTo::NewPerson)
    };
    view! {
        // Each option says whether it is the chosen one: the list is redrawn
        // in place as people change, and a value set on the select alone
        // would then show one person while another is chosen.
        <select aria-label=label on:change=move |e| to.set(chosen(event_target_value(&e)))>
            <option value=NEW_PERSON prop:selected=move || to.get() == MoveTo::NewPerson>
                "A new person"
            </option>
            {move || {
                others
                    .get()
                    .into_iter()
                    .map(|(id, name)| {
                        view! {
                            <option
                                value=id.0.to_string()
                                prop:selected=move || to.get() == MoveTo::Person(id)
                            >
                                {name}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}
