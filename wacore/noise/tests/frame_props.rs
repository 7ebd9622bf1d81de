//! Property: however a stream of frames is cut into chunks, the decoder yields the same frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use proptest::prelude::*;
use wacore_noise::framing::{FrameDecoder, build_handshake_header, encode_frame};

fn decode_in_chunks(
    stream: &[u8],
    cuts: &[usize],
    server: bool,
) -> (Vec<Vec<u8>>, Option<Vec<u8>>) {
    let mut decoder = if server {
        FrameDecoder::new_server()
    } else {
        FrameDecoder::new()
    };
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    let mut frames = Vec::new();
    for w in points.windows(2) {
        decoder.feed(&stream[w[0]..w[1]]);
        while let Some(frame) = decoder.decode_frame().unwrap() {
            frames.push(frame.to_vec());
        }
    }
    assert_eq!(decoder.buffered_len(), 0);
    let routing = decoder.intro().and_then(|i| i.routing_info.clone());
    (frames, routing)
}

proptest! {
    #[test]
    fn any_split_decodes_to_the_same_frames(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..12),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let stream: Vec<u8> = payloads.iter().flat_map(|p| encode_frame(p, None).unwrap()).collect();
        let (frames, _) = decode_in_chunks(&stream, &cuts, false);
        prop_assert_eq!(frames, payloads);
    }

    #[test]
    fn any_split_of_a_server_stream_with_intro(
        routing in prop::option::of(prop::collection::vec(any::<u8>(), 1..64)),
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..6),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let (intro, _) = build_handshake_header(routing.as_deref());
        let mut stream = intro;
        for p in &payloads {
            stream.extend(encode_frame(p, None).unwrap());
        }
        let (frames, got_routing) = decode_in_chunks(&stream, &cuts, true);
        prop_assert_eq!(frames, payloads);
        prop_assert_eq!(got_routing, routing);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512), server: bool) {
        let mut decoder = if server { FrameDecoder::new_server() } else { FrameDecoder::new() }.with_max_frame_len(256);
        decoder.feed(&data);
        while let Ok(Some(_)) = decoder.decode_frame() {}
    }
}
