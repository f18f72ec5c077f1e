// SPDX-License-Identifier: MIT
// The signed TA image tee-supplicant serves from disk (LOAD_TA): OP-TEE's signed header
// (struct shdr: magic "OTSH", image type, image size, algorithm, hash and signature sizes), the
// SHA-256 of the image, a signature, then the image. teesim's images carry a text manifest naming
// the TA instead of an ELF; the secure world checks the header, the hash and the manifest as
// OP-TEE checks the header and the signature, and refuses a bad image with TEE_ERROR_SECURITY.
#pragma once

#include "optee_tas/catalogue.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace teescope::optee {

inline constexpr uint32_t kShdrMagic = 0x4f545348; // "OTSH"
inline constexpr uint32_t kShdrTypeTa = 0;
inline constexpr uint32_t kShdrAlgoRsaPssSha256 = 0x70414930;
inline constexpr size_t kShdrSize = 20;

// The image of a catalogue TA (deterministic: same TA, same bytes).
std::vector<uint8_t> build_ta_image(const TaInfo &ta);

// Checks an image loaded for `expected`: returns 0 or the TEE result OP-TEE gives
// (TEEC_ERROR_SECURITY for a bad header, hash or a manifest of another TA).
uint32_t check_ta_image(std::span<const uint8_t> image, const Uuid &expected);

// Writes "<uuid>.ta" for every catalogue TA into `dir` (created if missing). Returns an empty
// string, or what failed.
std::string write_ta_images(const std::string &dir);

} // namespace teescope::optee
