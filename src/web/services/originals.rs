//! Reading a photo's original: from the library's own copy, or from the
//! folder the user picked, which on a later visit the browser lets the page
//! read only after the user allows it again.

use super::error::DownloadError;
use super::store::{FolderPath, PickedFolder};
use super::views::Original;
use crate::web::js::{describe, error_name};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileSystemDirectoryHandle, FileSystemFileHandle};

/// What the browser lets the page do with a picked folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Granted,
    /// The user has to allow it again (a button press).
    Ask,
    Denied,
}

fn read_mode() -> Object {
    let mode = Object::new();
    let _ = Reflect::set(&mode, &"mode".into(), &"read".into());
    mode
}

/// The page's read access to `folder`; with `ask`, the browser asks the user
/// (only from a click or key press).
pub async fn access(folder: &FileSystemDirectoryHandle, ask: bool) -> Access {
    let method = if ask {
        "requestPermission"
    } else {
        "queryPermission"
    };
    // Browsers without permissions on handles read freely.
    let Some(f) = Reflect::get(folder, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Access::Granted;
    };
    let answer = async {
        let promise: js_sys::Promise = f.call1(folder, &read_mode()).ok()?.dyn_into().ok()?;
        JsFuture::from(promise).await.ok()?.as_string()
    }
    .await;
    match answer.as_deref() {
        Some("granted") => Access::Granted,
        Some("denied") => Access::Denied,
        // "prompt", or the request failed (no user activation): ask again.
        _ => Access::Ask,
    }
}

/// The original of `name`, from wherever it is kept.
pub async fn open(
    original: &Original,
    name: &str,
    folders: &[PickedFolder],
) -> Result<Blob, DownloadError> {
    match original {
        Original::Given(file) => Ok(file.clone()),
        Original::Kept { shelf, hash } => shelf
            .original(hash)
            .await
            .map_err(|e| DownloadError::unread(name, &e)),
        // The file as read when it was added, unless it changed since (then
        // reading it fails, and the folder is looked at again).
        Original::InFolder {
            at,
            size,
            this_visit: Some(file),
        } => match JsFuture::from(
            file.slice_with_i32_and_i32(0, 1)
                .map_err(|e| DownloadError::Read {
                    name: name.to_string(),
                    detail: describe(&e),
                })?
                .array_buffer(),
        )
        .await
        {
            Ok(_) => Ok(file.clone()),
            Err(_) => from_folder(at, *size, name, folders).await,
        },
        Original::InFolder {
            at,
            size,
            this_visit: None,
        } => from_folder(at, *size, name, folders).await,
    }
}

async fn from_folder(
    at: &FolderPath,
    size: f64,
    name: &str,
    folders: &[PickedFolder],
) -> Result<Blob, DownloadError> {
    let missing = |folder: &str| DownloadError::Missing {
        name: name.to_string(),
        folder: folder.to_string(),
    };
    let Some(folder) = folders.iter().find(|f| f.id == at.folder) else {
        return Err(missing("that was picked"));
    };
    if access(&folder.handle, false).await != Access::Granted {
        return Err(DownloadError::NoAccess(folder.name.clone()));
    }
    let failed = |e: wasm_bindgen::JsValue| match error_name(&e).as_str() {
        "NotFoundError" | "TypeMismatchError" => missing(&folder.name),
        "NotAllowedError" | "SecurityError" => DownloadError::NoAccess(folder.name.clone()),
        _ => DownloadError::Read {
            name: name.to_string(),
            detail: describe(&e),
        },
    };
    let mut dir = folder.handle.clone();
    let mut parts = at.path.split('/').filter(|p| !p.is_empty()).peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            let file: FileSystemFileHandle = JsFuture::from(dir.get_file_handle(part))
                .await
                .map_err(failed)?
                .unchecked_into();
            let file: web_sys::File = JsFuture::from(file.get_file())
                .await
                .map_err(failed)?
                .unchecked_into();
            if file.size() != size {
                return Err(DownloadError::Changed {
                    name: name.to_string(),
                    folder: folder.name.clone(),
                });
            }
            return Ok(file.into());
        }
        dir = JsFuture::from(dir.get_directory_handle(part))
            .await
            .map_err(failed)?
            .unchecked_into();
    }
    Err(missing(&folder.name))
}
