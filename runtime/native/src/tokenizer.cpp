#include "tokenizer.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>

#include "errors.h"

namespace bluev {
namespace {

using nlohmann::json;

// The GPT-2 pattern that tokenizers' ByteLevel pre-tokenizer splits with (use_regex=true).
constexpr const char* kByteLevelPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the UTF-8 character starting at s[i] in valid UTF-8 (the tokenizer's own strings).
size_t char_len(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

uint32_t decode_char(const std::string& s, size_t i, size_t n) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (n == 1) return c;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

pcre2_code* compile(const std::string& pattern, const std::string& path) {
  int err;
  PCRE2_SIZE at;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                 PCRE2_UTF | PCRE2_UCP, &err, &at, nullptr);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw BadInput(path + ": pre-tokenizer regex does not compile (" +
                   std::string(reinterpret_cast<char*>(msg)) + ")");
  }
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // best effort: falls back to the interpreter
  return re;
}

// Cuts every piece at the regex's matches; gaps between matches stay pieces when isolated.
std::vector<std::string> split_all(const std::vector<std::string>& pieces, pcre2_code* re, bool gaps) {
  std::vector<std::string> out;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re, nullptr);
  for (const std::string& s : pieces) {
    size_t pos = 0, last = 0;
    auto subject = reinterpret_cast<PCRE2_SPTR>(s.data());
    while (pos <= s.size()) {
      int rc = pcre2_match(re, subject, s.size(), pos, 0, md, nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      size_t start = ov[0], end = ov[1];
      if (end == start) {  // empty match: step one character
        pos = start < s.size() ? start + char_len(s, start) : s.size() + 1;
        continue;
      }
      if (gaps && start > last) out.push_back(s.substr(last, start - last));
      out.push_back(s.substr(start, end - start));
      last = pos = end;
    }
    if (gaps && last < s.size()) out.push_back(s.substr(last));
  }
  pcre2_match_data_free(md);
  return out;
}

}  // namespace

std::string utf8_lossy(const std::string& b) {
  std::string out;
  out.reserve(b.size());
  size_t i = 0, n = b.size();
  auto byte = [&](size_t k) { return static_cast<unsigned char>(b[k]); };
  while (i < n) {
    unsigned char c = byte(i);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // Maximal subpart rule (Unicode 3.9 / WHATWG): validate byte by byte with exact ranges.
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k <= need && i + k < n; ++k) {
      unsigned char d = byte(i + k);
      if (d < lo || d > hi) break;
      lo = 0x80;
      hi = 0xBF;
    }
    if (k == need + 1) {
      out.append(b, i, need + 1);
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += k;
  }
  return out;
}

Tokenizer::Tokenizer(const std::string& path) {
  // GPT-2's byte-to-unicode table: printable bytes stand for themselves, the rest are
  // shifted to U+0100 upwards.
  int shifted = 0;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    uint32_t cp = printable ? b : 256 + shifted++;
    append_utf8(byte_to_char_[b], cp);
    char_to_byte_[cp] = static_cast<uint8_t>(b);
  }
  load(path);
}

Tokenizer::~Tokenizer() {
  for (Split& s : splits_) pcre2_code_free(s.regex);
}

void Tokenizer::add_pre_tokenizer(const void* node, const std::string& path) {
  const json& p = *static_cast<const json*>(node);
  std::string type = p.value("type", "");
  if (byte_level_) throw BadInput(path + ": a pre-tokenizer after ByteLevel is not supported");
  if (type == "Sequence") {
    for (const json& q : p.at("pretokenizers")) add_pre_tokenizer(&q, path);
  } else if (type == "ByteLevel") {
    if (p.value("add_prefix_space", false)) throw BadInput(path + ": ByteLevel add_prefix_space is not supported");
    if (p.value("use_regex", true)) splits_.push_back({compile(kByteLevelPattern, path), true});
    byte_level_ = true;
  } else if (type == "Digits") {
    splits_.push_back({compile(p.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)", path), true});
  } else if (type == "Split") {
    if (p.value("behavior", "") != "Isolated" || p.value("invert", false) || !p.at("pattern").contains("Regex")) {
      throw BadInput(path + ": only Split(Regex, behavior Isolated) pre-tokenizers are supported");
    }
    splits_.push_back({compile(p.at("pattern").at("Regex").get<std::string>(), path), true});
  } else {
    throw BadInput(path + ": pre-tokenizer '" + type + "' is not supported (byte-level BPE only)");
  }
}

void Tokenizer::load(const std::string& path) {
  json j;
  try {
    std::ifstream in(path);
    if (!in) throw BadInput(path + ": cannot be read");
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw BadInput(path + ": unreadable JSON (" + std::string(e.what()) + ")");
  }
  try {
    const json& model = j.at("model");
    if (model.value("type", "") != "BPE") throw BadInput(path + ": not a BPE tokenizer");
    if (!j.value("normalizer", json()).is_null()) throw BadInput(path + ": normalizers are not supported");
    add_pre_tokenizer(&j.at("pre_tokenizer"), path);
    if (!byte_level_) throw BadInput(path + ": not a byte-level BPE tokenizer (no ByteLevel pre-tokenizer)");
    for (const auto& [token, id] : model.at("vocab").items()) {
      int64_t i = id.get<int64_t>();
      vocab_[token] = i;
      if (static_cast<size_t>(i) >= id_to_token_.size()) id_to_token_.resize(i + 1);
      id_to_token_[i] = token;
    }
    int rank = 0;
    for (const json& m : model.at("merges")) {
      std::string left, right;
      if (m.is_array()) {
        left = m.at(0).get<std::string>();
        right = m.at(1).get<std::string>();
      } else {  // the older "left right" form
        std::string s = m.get<std::string>();
        size_t sp = s.find(' ');
        left = s.substr(0, sp);
        right = s.substr(sp + 1);
      }
      merge_rank_.emplace(left + '\x01' + right, rank++);
    }
    for (const json& a : j.at("added_tokens")) {
      AddedToken t{a.at("content").get<std::string>(), a.at("id").get<int64_t>(), a.value("special", false)};
      if (static_cast<size_t>(t.id) >= id_to_token_.size()) id_to_token_.resize(t.id + 1);
      id_to_token_[t.id] = t.content;
      if (t.special) special_ids_.insert(t.id);
      added_.push_back(t);
    }
  } catch (const json::exception& e) {
    throw BadInput(path + ": unexpected tokenizer.json layout (" + std::string(e.what()) + ")");
  }
  std::stable_sort(added_.begin(), added_.end(),
                   [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
}

std::vector<std::string> Tokenizer::pre_tokenize(const std::string& text) const {
  std::vector<std::string> pieces{text};
  for (const Split& s : splits_) pieces = split_all(pieces, s.regex, s.isolated_gaps);
  return pieces;
}

void Tokenizer::bpe(const std::string& piece, std::vector<int64_t>& out) const {
  auto hit = cache_.find(piece);
  if (hit != cache_.end()) {
    out.insert(out.end(), hit->second.begin(), hit->second.end());
    return;
  }
  std::vector<std::string> parts;  // byte-level symbols
  for (unsigned char c : piece) parts.push_back(byte_to_char_[c]);
  // Merge the lowest-ranked adjacent pair until none is mergeable (the leftmost on equal rank).
  while (parts.size() > 1) {
    int best = INT_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto r = merge_rank_.find(parts[i] + '\x01' + parts[i + 1]);
      if (r != merge_rank_.end() && r->second < best) {
        best = r->second;
        at = i;
      }
    }
    if (best == INT_MAX) break;
    parts[at] += parts[at + 1];
    parts.erase(parts.begin() + at + 1);
  }
  std::vector<int64_t> ids;
  for (const std::string& p : parts) {
    auto v = vocab_.find(p);
    if (v != vocab_.end()) ids.push_back(v->second);  // no unk token: tokenizers drops it too
  }
  out.insert(out.end(), ids.begin(), ids.end());
  cache_.emplace(piece, std::move(ids));
}

void Tokenizer::encode_plain(const std::string& text, std::vector<int64_t>& out) const {
  if (text.empty()) return;
  for (const std::string& piece : pre_tokenize(text)) bpe(piece, out);
}

std::vector<int64_t> Tokenizer::encode(const std::string& text) const {
  std::vector<int64_t> out;
  size_t start = 0, i = 0;
  // Leftmost-longest scan for added tokens; plain text between them goes through BPE.
  while (i < text.size()) {
    const AddedToken* found = nullptr;
    for (const AddedToken& t : added_) {
      if (text.compare(i, t.content.size(), t.content) == 0) {
        found = &t;
        break;
      }
    }
    if (!found) {
      ++i;
      continue;
    }
    encode_plain(text.substr(start, i - start), out);
    out.push_back(found->id);
    i += found->content.size();
    start = i;
  }
  encode_plain(text.substr(start), out);
  return out;
}

std::string Tokenizer::decode_bytes(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || special_ids_.count(id)) continue;
    const std::string& tok = id_to_token_[id];
    for (size_t i = 0; i < tok.size();) {
      size_t n = char_len(tok, i);
      auto b = char_to_byte_.find(decode_char(tok, i, n));
      if (b != char_to_byte_.end()) {
        out += static_cast<char>(b->second);
      } else {
        out.append(tok, i, n);  // not a byte-level character (an added token's text)
      }
      i += n;
    }
  }
  return out;
}

std::string StreamDecoder::push(int64_t id) {
  ids_.push_back(id);
  std::string text = this->text();
  static const std::string kReplacement = "\xEF\xBF\xBD";
  if (text.size() >= 3 && text.compare(text.size() - 3, 3, kReplacement) == 0) return "";
  std::string piece = text.size() > emitted_.size() ? text.substr(emitted_.size()) : std::string();
  emitted_ = std::move(text);
  return piece;
}

}  // namespace bluev
