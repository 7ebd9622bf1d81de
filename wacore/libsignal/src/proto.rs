//! The protobuf messages this crate reads and writes: the Signal wire messages
//! and libsignal's record structures (field numbers are protocol facts, see
//! `whatsapp.proto` / libsignal's `wire.proto` and `storage.proto`).
//!
//! Hand-written `prost` derives so the crate does not depend on `waproto`.
#![allow(missing_docs)]

/// Wire messages.
pub mod wire {
    /// The body of a `msg` (`SignalMessage`), between the version byte and the MAC.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SignalMessage {
        #[prost(bytes = "vec", optional, tag = "1")]
        pub ratchet_key: Option<Vec<u8>>,
        #[prost(uint32, optional, tag = "2")]
        pub counter: Option<u32>,
        #[prost(uint32, optional, tag = "3")]
        pub previous_counter: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub ciphertext: Option<Vec<u8>>,
    }

    /// The body of a `pkmsg` (`PreKeySignalMessage`), after the version byte.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PreKeySignalMessage {
        #[prost(uint32, optional, tag = "5")]
        pub registration_id: Option<u32>,
        #[prost(uint32, optional, tag = "1")]
        pub pre_key_id: Option<u32>,
        #[prost(uint32, optional, tag = "6")]
        pub signed_pre_key_id: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub base_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub identity_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub message: Option<Vec<u8>>,
    }

    /// The body of an `skmsg` (`SenderKeyMessage`), between version byte and signature.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SenderKeyMessage {
        #[prost(uint32, optional, tag = "1")]
        pub id: Option<u32>,
        #[prost(uint32, optional, tag = "2")]
        pub iteration: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub ciphertext: Option<Vec<u8>>,
    }

    /// The body of a `SenderKeyDistributionMessage`, after the version byte.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SenderKeyDistributionMessage {
        #[prost(uint32, optional, tag = "1")]
        pub id: Option<u32>,
        #[prost(uint32, optional, tag = "2")]
        pub iteration: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub chain_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub signing_key: Option<Vec<u8>>,
    }
}

/// Stored record structures.
pub mod storage {
    /// A key pair as stored for our identity.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct IdentityKeyPairStructure {
        #[prost(bytes = "vec", optional, tag = "1")]
        pub public_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub private_key: Option<Vec<u8>>,
    }

    /// A one-time pre-key.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PreKeyRecordStructure {
        #[prost(uint32, optional, tag = "1")]
        pub id: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub public_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub private_key: Option<Vec<u8>>,
    }

    /// A signed pre-key.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SignedPreKeyRecordStructure {
        #[prost(uint32, optional, tag = "1")]
        pub id: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub public_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub private_key: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub signature: Option<Vec<u8>>,
        #[prost(fixed64, optional, tag = "5")]
        pub timestamp: Option<u64>,
    }

    /// One Double Ratchet session state.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SessionStructure {
        #[prost(uint32, optional, tag = "1")]
        pub session_version: Option<u32>,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub local_identity_public: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "3")]
        pub remote_identity_public: Option<Vec<u8>>,
        #[prost(bytes = "vec", optional, tag = "4")]
        pub root_key: Option<Vec<u8>>,
        #[prost(uint32, optional, tag = "5")]
        pub previous_counter: Option<u32>,
        #[prost(message, optional, tag = "6")]
        pub sender_chain: Option<session_structure::Chain>,
        #[prost(message, repeated, tag = "7")]
        pub receiver_chains: Vec<session_structure::Chain>,
        #[prost(message, optional, tag = "9")]
        pub pending_pre_key: Option<session_structure::PendingPreKey>,
        #[prost(uint32, optional, tag = "10")]
        pub remote_registration_id: Option<u32>,
        #[prost(uint32, optional, tag = "11")]
        pub local_registration_id: Option<u32>,
        #[prost(bool, optional, tag = "12")]
        pub needs_refresh: Option<bool>,
        #[prost(bytes = "vec", optional, tag = "13")]
        pub alice_base_key: Option<Vec<u8>>,
    }

    /// Nested messages of [`SessionStructure`].
    pub mod session_structure {
        /// A sending or receiving chain.
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct Chain {
            #[prost(bytes = "vec", optional, tag = "1")]
            pub sender_ratchet_key: Option<Vec<u8>>,
            #[prost(bytes = "vec", optional, tag = "2")]
            pub sender_ratchet_key_private: Option<Vec<u8>>,
            #[prost(message, optional, tag = "3")]
            pub chain_key: Option<chain::ChainKey>,
            #[prost(message, repeated, tag = "4")]
            pub message_keys: Vec<chain::MessageKey>,
        }

        /// Nested messages of [`Chain`].
        pub mod chain {
            /// A chain key and its index.
            #[derive(Clone, PartialEq, prost::Message)]
            pub struct ChainKey {
                #[prost(uint32, optional, tag = "1")]
                pub index: Option<u32>,
                #[prost(bytes = "vec", optional, tag = "2")]
                pub key: Option<Vec<u8>>,
            }

            /// A skipped (not yet used) message key.
            #[derive(Clone, PartialEq, prost::Message)]
            pub struct MessageKey {
                #[prost(uint32, optional, tag = "1")]
                pub index: Option<u32>,
                #[prost(bytes = "vec", optional, tag = "2")]
                pub cipher_key: Option<Vec<u8>>,
                #[prost(bytes = "vec", optional, tag = "3")]
                pub mac_key: Option<Vec<u8>>,
                #[prost(bytes = "vec", optional, tag = "4")]
                pub iv: Option<Vec<u8>>,
            }
        }

        /// The pre-key data an initiator resends until the peer answers.
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct PendingPreKey {
            #[prost(uint32, optional, tag = "1")]
            pub pre_key_id: Option<u32>,
            #[prost(int32, optional, tag = "3")]
            pub signed_pre_key_id: Option<i32>,
            #[prost(bytes = "vec", optional, tag = "2")]
            pub base_key: Option<Vec<u8>>,
        }
    }

    /// A session record: the current state and archived previous states.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct RecordStructure {
        #[prost(message, optional, tag = "1")]
        pub current_session: Option<SessionStructure>,
        #[prost(message, repeated, tag = "2")]
        pub previous_sessions: Vec<SessionStructure>,
    }

    /// One sender-key state (a chain of one group sender).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SenderKeyStateStructure {
        #[prost(uint32, optional, tag = "1")]
        pub sender_key_id: Option<u32>,
        #[prost(message, optional, tag = "2")]
        pub sender_chain_key: Option<sender_key_state_structure::SenderChainKey>,
        #[prost(message, optional, tag = "3")]
        pub sender_signing_key: Option<sender_key_state_structure::SenderSigningKey>,
        #[prost(message, repeated, tag = "4")]
        pub sender_message_keys: Vec<sender_key_state_structure::SenderMessageKey>,
    }

    /// Nested messages of [`SenderKeyStateStructure`].
    pub mod sender_key_state_structure {
        /// The chain key and its iteration.
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct SenderChainKey {
            #[prost(uint32, optional, tag = "1")]
            pub iteration: Option<u32>,
            #[prost(bytes = "vec", optional, tag = "2")]
            pub seed: Option<Vec<u8>>,
        }

        /// A skipped message key (its seed).
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct SenderMessageKey {
            #[prost(uint32, optional, tag = "1")]
            pub iteration: Option<u32>,
            #[prost(bytes = "vec", optional, tag = "2")]
            pub seed: Option<Vec<u8>>,
        }

        /// The signing key (private half only for our own chains).
        #[derive(Clone, PartialEq, prost::Message)]
        pub struct SenderSigningKey {
            #[prost(bytes = "vec", optional, tag = "1")]
            pub public: Option<Vec<u8>>,
            #[prost(bytes = "vec", optional, tag = "2")]
            pub private: Option<Vec<u8>>,
        }
    }

    /// A sender-key record: several states, newest first.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct SenderKeyRecordStructure {
        #[prost(message, repeated, tag = "1")]
        pub sender_key_states: Vec<SenderKeyStateStructure>,
    }
}
