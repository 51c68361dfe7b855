//! Which photo contents the library has or is sorting, by hash, and the ids
//! new photos are sorted under.
//!
//! Photos are analysed concurrently, so two copies of one photo in a batch
//! can both reach the point of being sorted. Each content is claimed once:
//! the first copy sorts it, and copies arriving meanwhile wait to hear
//! whether it made it. A copy is only a duplicate of something the library
//! really holds; should the first fail, the next copy is sorted in its place.

use crate::people::cluster::PhotoId;
use futures::channel::oneshot;
use std::collections::HashMap;

/// The answer to a photo's claim on its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Sort it, under this id.
    Yours(PhotoId),
    /// The library has it (or another copy of it was just sorted).
    Have,
    /// The copy it waited for failed, but the run has stopped meanwhile.
    Stopped,
}

/// Where the photo with a given content stands.
enum Holder {
    /// In the library, or sorted and shown in this page.
    Kept,
    /// Being sorted, with the copies (dropped in the same run) waiting to
    /// hear whether it made it.
    Sorting(Vec<oneshot::Sender<Claimed>>),
}

/// Every content the library has or is sorting.
#[derive(Default)]
pub struct Claims {
    holders: HashMap<String, Holder>,
    next_id: u32,
}

impl Claims {
    /// Forgets every content, for a library read afresh whose ids run below
    /// `first_free`. Ids only ever grow: one handed out in this page (to a
    /// photo shown but not kept, say) is never handed out again.
    pub fn reset(&mut self, first_free: u32) {
        self.holders.clear();
        self.next_id = self.next_id.max(first_free);
    }

    /// The library holds `hash` as photo `id`.
    pub fn kept(&mut self, hash: String, id: PhotoId) {
        self.holders.insert(hash, Holder::Kept);
        self.next_id = self.next_id.max(id.0 + 1);
    }

    /// Answers a photo's claim on its content: an id to sort it under, or
    /// that the library has it. A copy of a photo still being sorted is
    /// answered once that one is settled or released.
    pub fn claim(&mut self, hash: String, reply: oneshot::Sender<Claimed>) {
        match self.holders.get_mut(&hash) {
            Some(Holder::Kept) => {
                let _ = reply.send(Claimed::Have);
            }
            Some(Holder::Sorting(copies)) => copies.push(reply),
            None => {
                let id = self.sort(hash, Vec::new());
                let _ = reply.send(Claimed::Yours(id));
            }
        }
    }

    /// A new id for the content `hash`, with the copies waiting on it.
    fn sort(&mut self, hash: String, waiting: Vec<oneshot::Sender<Claimed>>) -> PhotoId {
        let id = PhotoId(self.next_id);
        self.next_id += 1;
        self.holders.insert(hash, Holder::Sorting(waiting));
        id
    }

    /// The photo with this content is in the library (or shown in this page):
    /// its waiting copies are duplicates.
    pub fn settle(&mut self, hash: &str) {
        if let Some(Holder::Sorting(copies)) = self.holders.insert(hash.to_owned(), Holder::Kept) {
            for copy in copies {
                let _ = copy.send(Claimed::Have);
            }
        }
    }

    /// The photo with this content was not added (or not kept), so adding it
    /// again tries again. Unless the run has `stopped`, the first copy still
    /// waiting (if any) takes its place.
    pub fn release(&mut self, hash: &str, stopped: bool) {
        let Some(Holder::Sorting(copies)) = self.holders.remove(hash) else {
            return;
        };
        if stopped {
            for copy in copies {
                let _ = copy.send(Claimed::Stopped);
            }
            return;
        }
        // A copy whose task has gone (its run was dropped) cannot sort it.
        let mut copies = copies.into_iter().filter(|c| !c.is_canceled());
        if let Some(next) = copies.next() {
            let id = self.sort(hash.to_owned(), copies.collect());
            let _ = next.send(Claimed::Yours(id));
        }
    }
}
