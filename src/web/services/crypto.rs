//! Sealing and opening a gallery's files with the browser's own WebCrypto:
//! AES-256-GCM, keys derived from a code by PBKDF2-HMAC-SHA-256. Nothing
//! here is written by hand: a slow or wrong cipher would cost guests'
//! privacy, and the browser's is native and constant-time.

use crate::web::js::describe;
use crate::wire::gallery::{KEY_BYTES, NONCE_BYTES};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesDerivedKeyParams, AesGcmParams, CryptoKey, Pbkdf2Params, SubtleCrypto};

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CryptoError {
    #[error("this browser has no WebCrypto here (it needs a secure page: https or localhost)")]
    Unavailable,
    /// The key does not open this file: a wrong code, or a damaged file.
    #[error("the key does not open this file")]
    WrongKey,
    #[error("the browser could not seal or open a file ({0})")]
    Failed(String),
}

fn crypto() -> Result<web_sys::Crypto, CryptoError> {
    Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .filter(|c| !c.is_undefined())
        .map(JsCast::unchecked_into)
        .ok_or(CryptoError::Unavailable)
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let subtle = crypto()?.subtle();
    if JsValue::from(subtle.clone()).is_undefined() {
        return Err(CryptoError::Unavailable);
    }
    Ok(subtle)
}

async fn wait(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, CryptoError> {
    let promise = promise.map_err(|e| CryptoError::Failed(describe(&e)))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| CryptoError::Failed(describe(&e)))
}

/// `n` bytes from the browser's cryptographic random source.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; n];
    crypto()?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| CryptoError::Failed(describe(&e)))?;
    Ok(bytes)
}

fn usages() -> Array {
    Array::of2(&"encrypt".into(), &"decrypt".into())
}

/// A fresh random AES-256-GCM key's bytes.
pub fn new_key() -> Result<Vec<u8>, CryptoError> {
    random_bytes(KEY_BYTES)
}

/// An AES-GCM key from its bytes.
pub async fn import_key(bytes: &[u8]) -> Result<CryptoKey, CryptoError> {
    let algorithm = Object::new();
    let _ = Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into());
    let key = wait(subtle()?.import_key_with_object(
        "raw",
        &Uint8Array::from(bytes),
        &algorithm,
        false,
        &usages(),
    ))
    .await?;
    Ok(key.unchecked_into())
}

/// The key a code opens: PBKDF2-HMAC-SHA-256 over the (normalised) code.
pub async fn derive_key(
    code: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let password = Uint8Array::from(code.as_bytes());
    let base = wait(subtle.import_key_with_str(
        "raw",
        &password,
        "PBKDF2",
        false,
        &Array::of1(&"deriveKey".into()),
    ))
    .await?;
    let params =
        Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &Uint8Array::from(salt));
    let target = AesDerivedKeyParams::new("AES-GCM", 256);
    let key = wait(subtle.derive_key_with_object_and_object(
        &params,
        base.unchecked_ref(),
        &target,
        false,
        &usages(),
    ))
    .await?;
    Ok(key.unchecked_into())
}

/// `nonce ‖ ciphertext ‖ tag`, under a fresh random nonce.
pub async fn seal(key: &CryptoKey, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes(NONCE_BYTES)?;
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(nonce.as_slice()));
    let sealed = wait(subtle()?.encrypt_with_object_and_u8_array(&params, key, plain)).await?;
    let mut out = nonce;
    out.extend(Uint8Array::new(&sealed).to_vec());
    Ok(out)
}

/// Opens what [`seal`] made; a wrong key or a changed byte is `WrongKey`.
pub async fn open(key: &CryptoKey, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_BYTES + 16 {
        return Err(CryptoError::WrongKey);
    }
    let (nonce, body) = sealed.split_at(NONCE_BYTES);
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(nonce));
    let promise = subtle()?
        .decrypt_with_object_and_u8_array(&params, key, body)
        .map_err(|e| CryptoError::Failed(describe(&e)))?;
    match JsFuture::from(promise).await {
        Ok(plain) => Ok(Uint8Array::new(&plain).to_vec()),
        // WebCrypto says only "OperationError" when the tag does not match.
        Err(e) if crate::web::js::error_name(&e) == "OperationError" => Err(CryptoError::WrongKey),
        Err(e) => Err(CryptoError::Failed(describe(&e))),
    }
}
