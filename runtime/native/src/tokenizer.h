// HF tokenizer.json byte-level BPE (GPT-2 / SmolLM2 / Llama 3 / Qwen2 style), in C++.
//
// encode(text) = tokenizers' Tokenizer.encode(text, add_special_tokens=False).ids: the added
// tokens (<|im_start|> ...) are cut out first and map to their ids; the rest goes through the
// pre-tokenizer (regex split, byte-to-unicode mapping) and the BPE merges.
#pragma once

#include <pcre2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bluev {

class Tokenizer {
 public:
  // Throws BadInput naming the file for what it cannot read or does not support.
  explicit Tokenizer(const std::string& path);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  std::vector<int64_t> encode(const std::string& text) const;
  // The bytes the ids stand for (special tokens skipped, as decode(skip_special_tokens=True)).
  std::string decode_bytes(const std::vector<int64_t>& ids) const;
  size_t vocab_size() const { return id_to_token_.size(); }

 private:
  struct AddedToken {
    std::string content;
    int64_t id;
    bool special;
  };
  struct Split {
    pcre2_code* regex;
    bool isolated_gaps;  // keep the text between matches as pieces (HF "Isolated" behaviour)
  };

  void load(const std::string& path);
  void add_pre_tokenizer(const void* json_node, const std::string& path);
  std::vector<std::string> pre_tokenize(const std::string& text) const;
  void bpe(const std::string& piece, std::vector<int64_t>& out) const;
  void encode_plain(const std::string& text, std::vector<int64_t>& out) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int> merge_rank_;  // "left\x01right" -> rank
  std::vector<AddedToken> added_;                    // longest first
  std::unordered_set<int64_t> special_ids_;
  std::vector<Split> splits_;
  bool byte_level_ = false;
  bool individual_digits_ = false;
  std::string byte_to_char_[256];                // byte -> its UTF-8 stand-in character
  std::unordered_map<uint32_t, uint8_t> char_to_byte_;  // code point -> byte
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache_;
};

// Lossy UTF-8 decoding as Rust's String::from_utf8_lossy (what tokenizers' decode gives):
// each ill-formed subsequence becomes U+FFFD.
std::string utf8_lossy(const std::string& bytes);

// Turns a growing list of ids into text pieces, holding back an incomplete UTF-8 character
// (the same rule as runtime/text.py StreamDecoder).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok) : tok_(tok) {}
  std::string push(int64_t id);
  std::string text() const { return utf8_lossy(tok_.decode_bytes(ids_)); }
  const std::vector<int64_t>& ids() const { return ids_; }

 private:
  const Tokenizer& tok_;
  std::vector<int64_t> ids_;
  std::string emitted_;
};

}  // namespace bluev
