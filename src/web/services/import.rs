//! Getting files in: the file and folder pickers and drag-and-drop (files or
//! whole folders, read recursively).

use super::error::PhotoError;
use super::store::FolderPath;
use super::views::FailedFile;
use crate::web::js::{pick, window_function, BrowserError};
use futures::channel::oneshot;
use js_sys::{Array, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemDirectoryHandle,
    FileSystemEntry, FileSystemFileEntry, FileSystemFileHandle,
};

/// The one list of what Facesort reads: pickers, drops and the page's words
/// all come from it. (The decoder reports anything else precisely.)
pub const PHOTO_TYPES: [PhotoType; 5] = [
    PhotoType {
        label: "JPEG",
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    PhotoType {
        label: "PNG",
        mime: "image/png",
        extensions: &["png"],
    },
    PhotoType {
        label: "WebP",
        mime: "image/webp",
        extensions: &["webp"],
    },
    PhotoType {
        label: "GIF",
        mime: "image/gif",
        extensions: &["gif"],
    },
    // Decoded by the browser in the workers.
    PhotoType {
        label: "AVIF",
        mime: "image/avif",
        extensions: &["avif"],
    },
];

/// Photos in formats people have that are not read everywhere (HEIC outside
/// Safari, camera RAW): handed to the workers anyway, so each is decoded
/// where the browser can, or named with what to do, never called "not a
/// photo". Not in the pickers' `accept`: an iPhone then hands over JPEGs.
const NAMED_EXTENSIONS: [&str; 12] = [
    "heic", "heif", "tif", "tiff", "dng", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf",
];

pub struct PhotoType {
    pub label: &'static str,
    pub mime: &'static str,
    pub extensions: &'static [&'static str],
}

/// For `<input type=file accept=…>`: every MIME type and extension.
pub fn accept_attribute() -> String {
    let mimes = PHOTO_TYPES.iter().map(|t| t.mime.to_string());
    let extensions = PHOTO_TYPES
        .iter()
        .flat_map(|t| t.extensions.iter().map(|e| format!(".{e}")));
    mimes.chain(extensions).collect::<Vec<_>>().join(",")
}

/// "JPEG, PNG, WebP or GIF".
pub fn formats_label() -> String {
    let labels: Vec<&str> = PHOTO_TYPES.iter().map(|t| t.label).collect();
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => labels.join(""),
    }
}

/// Whether a file listed by one path (a file picked on its own has only its
/// name; one from a folder has the folder's path too) is the file now added
/// by another: the same path, or one ends with the other at a folder's edge.
pub fn same_file(listed: &str, added: &str) -> bool {
    let within = |long: &str, short: &str| {
        long.strip_suffix(short)
            .is_some_and(|folder| folder.ends_with('/'))
    };
    listed == added || within(listed, added) || within(added, listed)
}

/// A file the user gave us, with its path inside a dropped or picked folder.
#[derive(Clone)]
pub struct PickedFile {
    pub file: File,
    pub path: String,
    /// Where it is in a picked folder whose files stay there (no copy is kept).
    pub kept_in: Option<FolderPath>,
}

impl PickedFile {
    fn new(file: File) -> Self {
        let relative = Reflect::get(&file, &"webkitRelativePath".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let path = if relative.is_empty() {
            file.name()
        } else {
            relative
        };
        PickedFile {
            file,
            path,
            kept_in: None,
        }
    }

    /// Decided by name and type: the decoder reports anything else precisely.
    pub fn looks_like_photo(&self) -> bool {
        let name = self.file.name().to_ascii_lowercase();
        let ext = name.rsplit('.').next().unwrap_or("");
        let mime = self.file.type_();
        PHOTO_TYPES
            .iter()
            .any(|t| t.mime == mime || t.extensions.contains(&ext))
            || NAMED_EXTENSIONS.contains(&ext)
            || matches!(mime.as_str(), "image/heic" | "image/heif")
    }
}

pub fn from_file_list(list: Option<FileList>) -> Vec<PickedFile> {
    files_in(list).into_iter().map(PickedFile::new).collect()
}

/// The files of an input's or a drop's list.
pub fn files_in(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// What a drop carried, taken synchronously: the browser empties the
/// DataTransfer as soon as the drop event returns.
pub enum Dropped {
    /// File-system entries (files and folders) to read.
    Entries(Vec<FileSystemEntry>),
    /// Plain files, where the browser gave no entries.
    Files(Vec<PickedFile>),
}

pub fn take_drop(transfer: &DataTransfer) -> Dropped {
    let items = transfer.items();
    let entries: Vec<FileSystemEntry> = (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect();
    if entries.is_empty() {
        Dropped::Files(from_file_list(transfer.files()))
    } else {
        Dropped::Entries(entries)
    }
}

/// What a drop or a picked folder held: the files to add, and those (or
/// the folders) the browser would not hand over, each with why; a cloud
/// drive's placeholder not on the disk, say.
#[derive(Default)]
pub struct Picked {
    pub files: Vec<PickedFile>,
    pub unread: Vec<FailedFile>,
}

impl From<Vec<PickedFile>> for Picked {
    fn from(files: Vec<PickedFile>) -> Self {
        Picked {
            files,
            unread: Vec::new(),
        }
    }
}

/// Reads a drop, walking folders recursively; sorted by path.
pub async fn read_drop(dropped: Dropped) -> Picked {
    let entries = match dropped {
        Dropped::Files(files) => return files.into(),
        Dropped::Entries(entries) => entries,
    };
    let mut out = Vec::new();
    let mut failed = Vec::new();
    let mut stack: Vec<(FileSystemEntry, String)> =
        entries.into_iter().map(|e| (e, String::new())).collect();
    while let Some((entry, prefix)) = stack.pop() {
        let path = format!("{prefix}{}", entry.name());
        if entry.is_directory() {
            match read_directory(&entry.unchecked_into()).await {
                Ok(children) => stack.extend(children.into_iter().map(|c| (c, format!("{path}/")))),
                Err(e) => failed.push(FailedFile {
                    path,
                    error: PhotoError::ReadFolder(e),
                }),
            }
        } else {
            let entry: FileSystemFileEntry = entry.unchecked_into();
            let got = callback_result(|ok, err| {
                entry.file_with_callback_and_callback(ok, err);
                Ok(())
            })
            .await;
            match got {
                Ok(file) => out.push(PickedFile {
                    file,
                    path,
                    kept_in: None,
                }),
                Err(e) => failed.push(FailedFile {
                    path,
                    error: PhotoError::Read(e),
                }),
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    failed.sort_by(|a, b| a.path.cmp(&b.path));
    Picked {
        files: out,
        unread: failed,
    }
}

/// All entries of a folder: `readEntries` hands them out in batches until empty.
async fn read_directory(
    dir: &FileSystemDirectoryEntry,
) -> Result<Vec<FileSystemEntry>, BrowserError> {
    let reader = dir.create_reader();
    let mut all = Vec::new();
    loop {
        let batch: Array = callback_result(|ok, err| {
            reader
                .read_entries_with_callback_and_callback(ok, err)
                .map_err(BrowserError::from)
        })
        .await?;
        if batch.length() == 0 {
            return Ok(all);
        }
        all.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
}

/// Awaits a callback-style browser API (success and error callbacks).
async fn callback_result<T: JsCast + 'static>(
    call: impl FnOnce(&js_sys::Function, &js_sys::Function) -> Result<(), BrowserError>,
) -> Result<T, BrowserError> {
    let (tx, rx) = oneshot::channel::<Result<T, BrowserError>>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let (ok_tx, err_tx) = (tx.clone(), tx);
    let ok = Closure::once(move |value: JsValue| {
        if let Some(t) = ok_tx.borrow_mut().take() {
            let _ = t.send(Ok(value.unchecked_into()));
        }
    });
    let err = Closure::once(move |e: JsValue| {
        if let Some(t) = err_tx.borrow_mut().take() {
            let _ = t.send(Err(e.into()));
        }
    });
    call(ok.as_ref().unchecked_ref(), err.as_ref().unchecked_ref())?;
    rx.await
        .map_err(|_| BrowserError("the browser abandoned the read".into()))?
}

/// Whether the browser can pick a folder whose photos then stay where they
/// are (Chromium's File System Access API).
pub fn can_keep_originals_in_folder() -> bool {
    window_function("showDirectoryPicker").is_some()
}

/// A folder the user picked: every file in it (recursively), each with its
/// path inside it, sorted, and those the browser would not hand over.
pub struct PickedFolderFiles {
    pub handle: FileSystemDirectoryHandle,
    pub files: Vec<(File, String)>,
    pub unread: Vec<FailedFile>,
}

/// The folder the user picks, read; `None` when they closed the picker.
pub async fn pick_folder() -> Result<Option<PickedFolderFiles>, BrowserError> {
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"id".into(), &"facesort-photos".into());
    let Some(root) = pick("showDirectoryPicker", &options).await? else {
        return Ok(None);
    };
    let root: FileSystemDirectoryHandle = root.unchecked_into();
    let mut files = Vec::new();
    let mut failed = Vec::new();
    let mut stack = vec![(root.clone(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = dir.values();
        loop {
            let next = JsFuture::from(entries.next()?).await?;
            if Reflect::get(&next, &"done".into()).is_ok_and(|d| d.is_truthy()) {
                break;
            }
            let handle = Reflect::get(&next, &"value".into())?;
            let name = Reflect::get(&handle, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            let kind = Reflect::get(&handle, &"kind".into())
                .ok()
                .and_then(|k| k.as_string());
            let path = format!("{prefix}{name}");
            if kind.as_deref() == Some("directory") {
                stack.push((handle.unchecked_into(), format!("{path}/")));
            } else {
                let handle: FileSystemFileHandle = handle.unchecked_into();
                match JsFuture::from(handle.get_file()).await {
                    Ok(file) => files.push((file.unchecked_into(), path)),
                    Err(e) => failed.push(FailedFile {
                        path,
                        error: PhotoError::Read(e.into()),
                    }),
                }
            }
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    failed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(PickedFolderFiles {
        handle: root,
        files,
        unread: failed,
    }))
}
