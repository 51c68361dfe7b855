//! Where keyboard focus goes when the page changes under it. Without this,
//! focus on a control that goes away (a screen left, a bar closed, a card
//! hidden, a button disabled) falls to the page, and the next Tab starts
//! again from the top.

use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The current screen's heading (each screen has one `h2` that can take
/// focus), or the page's title before there is a screen to speak of.
const SCREEN_HEADING: [&str; 2] = ["main h2[tabindex]", "header.top h1"];

/// After the next render, moves focus to the first of `targets` (CSS
/// selectors) on the page, or else to the screen's heading.
pub fn focus_soon(targets: Vec<String>) {
    request_animation_frame(move || {
        focus_first(
            targets.iter().map(String::as_str).chain(SCREEN_HEADING),
            true,
        )
    });
}

/// After the next render, moves focus to `target` (where an edit's result
/// is), unless the user has put it somewhere meanwhile: an edit can take
/// seconds to be saved, and typing elsewhere by then must not be interrupted.
pub fn focus_after_edit(target: String) {
    request_animation_frame(move || {
        let idle = document()
            .active_element()
            .is_none_or(|a| is_body(&a) || matches!(a.tag_name().as_str(), "H1" | "H2"));
        if idle {
            focus_first(std::iter::once(target.as_str()), true);
        }
    });
}

fn focus_first<'a>(targets: impl IntoIterator<Item = &'a str>, scroll: bool) {
    for selector in targets {
        let found = document().query_selector(selector).ok().flatten();
        if let Some(el) = found.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(!scroll);
            let _ = el.focus_with_options(&options);
            return;
        }
    }
}

fn is_body(element: &Element) -> bool {
    Some(element) == document().body().as_deref()
}

/// For the page's lifetime: focus that fell to the page because its element
/// went away or was disabled goes to the screen's heading, without scrolling
/// (a mouse user whose clicked button went must not see the page jump).
/// Chromium tells of it with `focusout`; Firefox and Safari fire nothing when
/// a focused element is removed, so the page's changes are watched too.
pub fn rescue_lost_focus() {
    let last: Rc<RefCell<Option<Element>>> = Rc::default();
    let noted = last.clone();
    let note = Closure::<dyn Fn(web_sys::FocusEvent)>::new(move |e: web_sys::FocusEvent| {
        *noted.borrow_mut() = e.target().and_then(|t| t.dyn_into::<Element>().ok());
    });
    // A frame after the change: a browser lets go of a disabled element's
    // focus only when it next renders. Then at once (not a frame later
    // still), so as not to undo focus an edit has put where it belongs.
    let check = Closure::<dyn Fn()>::new(move || {
        let last = last.clone();
        request_animation_frame(move || {
            let gone = last
                .borrow()
                .as_ref()
                .is_some_and(|e| !e.is_connected() || e.matches(":disabled").unwrap_or(false));
            let on_page = document().active_element().is_none_or(|a| is_body(&a));
            if gone && on_page {
                last.borrow_mut().take();
                focus_first(SCREEN_HEADING, false);
            }
        });
    });
    let init = web_sys::MutationObserverInit::new();
    init.set_subtree(true);
    init.set_child_list(true);
    init.set_attribute_filter(&js_sys::Array::of1(&"disabled".into()));
    if let Some(body) = document().body() {
        if let Ok(observer) = web_sys::MutationObserver::new(check.as_ref().unchecked_ref()) {
            let _ = observer.observe_with_options(&body, &init);
        }
    }
    let _ = window().add_event_listener_with_callback("focusin", note.as_ref().unchecked_ref());
    let _ = window().add_event_listener_with_callback("focusout", check.as_ref().unchecked_ref());
    // Called once, for the page's lifetime.
    note.forget();
    check.forget();
}

/// While `bar` (a selection's bar, sticky at the top of the window over a
/// long grid) is on the page, the page's scroll padding is its height, so
/// the browser never scrolls a focused card under it. Call inside the view
/// that shows the bar: the padding goes when that view does.
pub fn keep_focus_clear_of(bar: NodeRef<leptos::html::Form>) {
    const PADDING: &str = "--sticky-bar";
    let style = || {
        document()
            .document_element()
            .map(|e| e.unchecked_into::<HtmlElement>().style())
    };
    let measure = Closure::<dyn Fn()>::new(move || {
        if let (Some(bar), Some(style)) = (bar.get_untracked(), style()) {
            let _ = style.set_property(PADDING, &format!("{}px", bar.offset_height()));
        }
    });
    // The bar's height changes as names are ticked and the window narrows.
    let Ok(observer) = web_sys::ResizeObserver::new(measure.as_ref().unchecked_ref()) else {
        return;
    };
    Effect::new({
        let observer = observer.clone();
        move |_| {
            if let Some(bar) = bar.get() {
                observer.observe(&bar);
            }
        }
    });
    let held = send_wrapper::SendWrapper::new((observer, measure));
    on_cleanup(move || {
        let (observer, _measure) = held.take();
        observer.disconnect();
        if let Some(style) = style() {
            let _ = style.remove_property(PADDING);
        }
    });
}
