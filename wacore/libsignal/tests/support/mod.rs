//! Shared helpers for the integration tests: parties with in-memory stores.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod interop;
pub mod oracle;

use wacore_libsignal::*;

/// One party: an identity, a registration id, keys and in-memory stores.
pub struct Party {
    pub address: ProtocolAddress,
    pub identity: IdentityKeyPair,
    pub registration_id: u32,
    pub store: InMemSignalProtocolStore,
    pub signed_pre_key: SignedPreKeyRecord,
    pub next_pre_key_id: u32,
}

impl Party {
    pub fn new(name: &str) -> Self {
        let mut rng = rand::rng();
        let identity = generate_identity_key_pair(&mut rng);
        let registration_id = generate_registration_id(&mut rng);
        let mut store = InMemSignalProtocolStore::new(identity.clone(), registration_id);
        let signed_pre_key = generate_signed_pre_key(&identity, 1, &mut rng);
        block_on(store.save_signed_pre_key(1, &signed_pre_key)).unwrap();
        Self {
            address: ProtocolAddress::new(name, 0),
            identity,
            registration_id,
            store,
            signed_pre_key,
            next_pre_key_id: 100,
        }
    }

    /// A bundle with a fresh one-time pre-key (stored), or without one.
    pub fn bundle(&mut self, with_one_time: bool) -> PreKeyBundle {
        let pre_key = if with_one_time {
            let id = self.next_pre_key_id;
            self.next_pre_key_id += 1;
            let pk = generate_pre_key(id, &mut rand::rng());
            block_on(self.store.save_pre_key(id, &pk)).unwrap();
            Some((id, *pk.public_key()))
        } else {
            None
        };
        PreKeyBundle::new(
            self.registration_id,
            0,
            pre_key,
            self.signed_pre_key.id(),
            *self.signed_pre_key.public_key(),
            self.signed_pre_key.signature().to_vec(),
            *self.identity.identity_key(),
        )
    }

    pub fn start_session(&mut self, peer: &ProtocolAddress, bundle: &PreKeyBundle) -> Result<()> {
        let store = &mut self.store;
        block_on(process_prekey_bundle(
            peer,
            &mut store.session_store,
            &mut store.identity_store,
            bundle,
        ))
    }

    pub fn encrypt(
        &mut self,
        peer: &ProtocolAddress,
        plaintext: &[u8],
    ) -> Result<CiphertextMessage> {
        let store = &mut self.store;
        block_on(message_encrypt(
            plaintext,
            peer,
            &mut store.session_store,
            &mut store.identity_store,
        ))
    }

    pub fn decrypt(
        &mut self,
        peer: &ProtocolAddress,
        message: &CiphertextMessage,
    ) -> Result<Vec<u8>> {
        let store = &mut self.store;
        block_on(message_decrypt(
            message,
            peer,
            &mut store.session_store,
            &mut store.identity_store,
            &mut store.pre_key_store,
            &store.signed_pre_key_store,
        ))
    }

    pub fn session(&self, peer: &ProtocolAddress) -> Option<SessionRecord> {
        block_on(self.store.load_session(peer)).unwrap()
    }

    pub fn put_session(&mut self, peer: &ProtocolAddress, record: &SessionRecord) {
        block_on(self.store.store_session(peer, record.clone())).unwrap()
    }
}

/// Runs a future that never actually waits (the in-memory stores answer at
/// once) without an async runtime.
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Alice and Bob with an established session (Alice initiated, Bob answered).
pub fn established_pair() -> (Party, Party) {
    let mut alice = Party::new("alice");
    let mut bob = Party::new("bob");
    let bundle = bob.bundle(true);
    alice.start_session(&bob.address.clone(), &bundle).unwrap();
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let m = alice.encrypt(&b, b"hello").unwrap();
    assert_eq!(bob.decrypt(&a, &m).unwrap(), b"hello");
    let r = bob.encrypt(&a, b"hi").unwrap();
    assert_eq!(alice.decrypt(&b, &r).unwrap(), b"hi");
    (alice, bob)
}
