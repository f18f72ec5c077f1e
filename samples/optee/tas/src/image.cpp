// SPDX-License-Identifier: MIT
// Layout after optee_os core/include/signed_hdr.h (struct shdr) and what ree_fs_ta.c checks:
// the magic, the image type, hash and signature sizes, and the hash of the image.
#include "optee_tas/image.h"

#include "sha256.h"

#include "teescope/tee_uapi.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

namespace teescope::optee {

namespace {

constexpr uint16_t kHashSize = 32;
constexpr uint16_t kSigSize = 256;
// A TA image of realistic size: the public examples' TAs are 40-70 KiB.
constexpr size_t kImageSize = 48 * 1024;
constexpr std::string_view kManifestMagic = "teesim-ta\n";

void put32(std::vector<uint8_t> &out, size_t at, uint32_t v) { std::memcpy(out.data() + at, &v, 4); }
void put16(std::vector<uint8_t> &out, size_t at, uint16_t v) { std::memcpy(out.data() + at, &v, 2); }
uint32_t get32(std::span<const uint8_t> in, size_t at)
{
    uint32_t v;
    std::memcpy(&v, in.data() + at, 4);
    return v;
}
uint16_t get16(std::span<const uint8_t> in, size_t at)
{
    uint16_t v;
    std::memcpy(&v, in.data() + at, 2);
    return v;
}

std::string manifest(const TaInfo &ta)
{
    return std::string(kManifestMagic) + "uuid=" + to_string(ta.uuid) + "\nname=" + std::string(ta.name) + "\n";
}

} // namespace

std::vector<uint8_t> build_ta_image(const TaInfo &ta)
{
    std::vector<uint8_t> img(kImageSize);
    std::string text = manifest(ta);
    std::memcpy(img.data(), text.data(), text.size());
    // A deterministic body after the manifest (and its NUL), standing in for code and data.
    uint32_t x = 0x9e3779b9u ^ ta.uuid[0] ^ (uint32_t{ta.uuid[15]} << 8);
    for (size_t i = text.size() + 1; i < img.size(); ++i) {
        x = x * 1664525u + 1013904223u;
        img[i] = static_cast<uint8_t>(x >> 24);
    }
    std::vector<uint8_t> out(kShdrSize + kHashSize + kSigSize + img.size());
    put32(out, 0, kShdrMagic);
    put32(out, 4, kShdrTypeTa);
    put32(out, 8, static_cast<uint32_t>(img.size()));
    put32(out, 12, kShdrAlgoRsaPssSha256);
    put16(out, 16, kHashSize);
    put16(out, 18, kSigSize);
    auto hash = sha256(img);
    std::memcpy(out.data() + kShdrSize, hash.data(), hash.size());
    // The signature stays zero: teesim trusts the hash alone.
    std::memcpy(out.data() + kShdrSize + kHashSize + kSigSize, img.data(), img.size());
    return out;
}

uint32_t check_ta_image(std::span<const uint8_t> image, const Uuid &expected)
{
    if (image.size() < kShdrSize)
        return TEEC_ERROR_SECURITY;
    const uint32_t img_size = get32(image, 8);
    const uint16_t hash_size = get16(image, 16), sig_size = get16(image, 18);
    if (get32(image, 0) != kShdrMagic || get32(image, 4) != kShdrTypeTa || get32(image, 12) != kShdrAlgoRsaPssSha256 ||
        hash_size != kHashSize)
        return TEEC_ERROR_SECURITY;
    const size_t body = kShdrSize + size_t{hash_size} + sig_size;
    if (image.size() != body + img_size)
        return TEEC_ERROR_SECURITY;
    auto img = image.subspan(body);
    auto hash = sha256(img);
    if (std::memcmp(hash.data(), image.data() + kShdrSize, hash.size()) != 0)
        return TEEC_ERROR_SECURITY;
    const TaInfo *ta = find_ta(expected);
    if (!ta)
        return TEEC_ERROR_SECURITY;
    std::string text = manifest(*ta);
    if (img.size() < text.size() || std::memcmp(img.data(), text.data(), text.size()) != 0)
        return TEEC_ERROR_SECURITY;
    return TEEC_SUCCESS;
}

std::string write_ta_images(const std::string &dir)
{
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return "cannot create " + dir + ": " + std::strerror(errno);
    for (const TaInfo &ta : catalogue()) {
        std::string path = dir + "/" + ta_file_name(ta.uuid);
        auto image = build_ta_image(ta);
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char *>(image.data()), static_cast<std::streamsize>(image.size()));
        out.close();
        if (!out)
            return "cannot write " + path;
    }
    return {};
}

} // namespace teescope::optee
