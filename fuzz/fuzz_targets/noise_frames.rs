//! Fuzz the frame decoder (client and server side, arbitrary chunking) and decrypting whatever
//! frames come out: no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wacore_noise::framing::FrameDecoder;
use wacore_noise::{NoiseCipher, NoiseReader};

fuzz_target!(|data: &[u8]| {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let server = control & 1 == 1;
    let chunk = usize::from(control >> 1).max(1);
    let mut decoder = if server { FrameDecoder::new_server() } else { FrameDecoder::new() }
        .with_max_frame_len(1 << 16);
    let mut reader = NoiseReader::new(NoiseCipher::new(&[7u8; 32]));
    for piece in stream.chunks(chunk) {
        decoder.feed(piece);
        loop {
            match decoder.decode_frame() {
                Ok(Some(frame)) => {
                    let _ = reader.decrypt_frame(frame);
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
});
