"""The host pipeline on the ExecuTorch runtime: image -> tiles -> ViT -> projector -> LLM -> text.

Only the .pte files, the tokenizer and the manifest are used; no model code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from bluev.errors import BadInput
from bluev.runtime.artifacts import Artifacts, open_artifacts
from bluev.runtime.kernels import Program, load_program, peak_rss_mb, phase_peak_rss_mb, release_freed_memory
from bluev.runtime.layouts import EncodedImage, ImagePlan, Layout, PromptIds, open_layout, prompt_ids
from bluev.runtime.options import SamplerConfig
from bluev.runtime.sampling import Sampler
from bluev.runtime.text import StreamDecoder, TextCodec
from bluev.runtime.tile_encoder import TileEncoder, TileEncoderProcess, open_tile_encoder


@dataclass
class Stats:
    tiles: int = 0
    image_encode_ms: float = 0.0
    prefill_tokens: int = 0
    prefill_ms: float = 0.0
    decode_tokens: int = 0
    decode_ms: float = 0.0
    ttft_ms: float = 0.0
    stop_reason: str = ""
    peak_rss_mb: float = 0.0
    # the peak of each phase (load, image_encode, prefill, decode), MB: runtime/kernels.py
    phase_rss_mb: dict[str, float] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        rate = lambda n, ms: round(n / (ms / 1000.0), 2) if ms > 0 else 0.0  # noqa: E731
        return {
            "tiles": self.tiles,
            "image_encode_ms": round(self.image_encode_ms, 2),
            "prefill_tokens": self.prefill_tokens,
            "prefill_tok_s": rate(self.prefill_tokens, self.prefill_ms),
            "decode_tokens": self.decode_tokens,
            "decode_tok_s": rate(self.decode_tokens, self.decode_ms),
            "ttft_ms": round(self.ttft_ms, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_rss_mb_by_phase": {phase: round(mb, 1) for phase, mb in self.phase_rss_mb.items()},
            "stop_reason": self.stop_reason,
            **self.extra,
        }


@dataclass
class Generation:
    text: str
    token_ids: list[int]
    stats: Stats


class Pipeline:
    """Loaded programs for one artifact directory; `generate` answers one prompt."""

    def __init__(
        self,
        artifacts: Artifacts | str | Path,
        need_llm: bool = True,
        image_encoder: str = "inline",
        release_vision: bool = False,
        llm_after_image: bool = False,
    ) -> None:
        """``need_llm=False`` also opens vision-only artifacts (the host benchmark's tile timing).
        ``image_encoder="process"`` runs the vision programs in a child process
        (runtime/tile_encoder.py): tiles are then prepared while earlier ones encode, and
        a ``Session``'s caller is not stalled by an encoding picture. ``release_vision``
        frees the vision programs once a picture is encoded (the paper's phone budget:
        the ViT's memory is not held through prefill and decode); a later picture loads
        them again. ``llm_after_image`` (one picture, then its answer: `bluev run`) also
        loads the LLM only once that picture is encoded and its vision programs are freed,
        so the two never share memory: the answer's TTFT then includes the LLM's load
        (``llm_load_ms``), which a process answering once pays before the first token
        in either order."""
        self.art = artifacts if isinstance(artifacts, Artifacts) else open_artifacts(artifacts)
        self.image_encoder = image_encoder
        self.llm_after_image = llm_after_image and need_llm and self.art.multimodal
        self.release_vision = release_vision or self.llm_after_image
        if need_llm:
            self.art.require_llm()
        m = self.art.manifest
        self.tiles: TileEncoder | TileEncoderProcess | None = None
        self.layout: Layout | None = open_layout(m, self.art.root) if self.art.multimodal else None
        self._llm_program: Program | None = None
        if self.art.multimodal:
            self.tiles = open_tile_encoder(self.art, image_encoder)
        if m.llm is None:
            self._wait_for_encoder()
            return
        if m.llm.layout != "dynamic":
            self.close()
            raise BadInput(
                f"{self.art.root}: the {m.llm.layout} LLM layout (NPU programs) is run by bluev-runner, "
                "not by this host pipeline"
            )
        if not self.llm_after_image:
            self._load_llm()
        self._wait_for_encoder()
        self.codec = TextCodec(self.art.tokenizer_path)
        self.chat = m.chat_template
        self.chunk = m.llm.chunk_size
        self.max_seq_len = m.llm.max_seq_len
        self.eos_ids = set(m.special_tokens.eos_ids)
        self.load_rss_mb = phase_peak_rss_mb()

    def _load_llm(self) -> None:
        """Load llm.pte's embedding, prefill and decode methods (each once: they share one KV cache)."""
        methods = self.art.manifest.llm.methods  # type: ignore[union-attr]  (callers checked m.llm)
        assert methods.embed is not None  # the dynamic layout has its embedding method
        try:
            llm = load_program(*self.art.program_files("llm"))
            self.embed = llm.load_method(methods.embed)
            self.prefill_method = llm.load_method(methods.prefill)
            self.decode_method = llm.load_method(methods.decode)
        except (RuntimeError, ValueError) as exc:
            self.close()
            raise BadInput(f"{self.art.root}: ExecuTorch could not load the programs ({exc})") from None
        self._llm_program = llm

    def _llm_loaded_now(self, stats: Stats) -> None:
        """With ``llm_after_image``, load the LLM (once the picture's vision programs are freed)."""
        if self._llm_program is not None:
            return
        started = time.perf_counter()
        self._load_llm()
        stats.extra["llm_load_ms"] = round((time.perf_counter() - started) * 1000.0, 2)
        stats.phase_rss_mb["llm_load"] = phase_peak_rss_mb()

    # --- image ----------------------------------------------------------------------------

    def encode_image(self, image: str | Path, stats: Stats, pipelined: bool = True) -> EncodedImage:
        """Image file -> LLM embeddings [1, tokens, dim] in prompt order, and the picture's plan.

        Pipelined (the paper's scheduling): each stage (thumbnail, then the grid) goes to
        the encoder as soon as it is prepared, so with ``image_encoder="process"`` the
        grid is resized and cut while the thumbnail encodes. Inline, the encoder holds
        the GIL and the stages simply run one after the other. Not pipelined: every
        tile is prepared first, then all are encoded in the largest batches. The family's
        layout then orders the features as its model does (runtime/layouts/).
        """
        tiles = self._tiles(str(image))
        assert self.layout is not None  # _tiles refused text-only sets
        started = time.perf_counter()
        img, plan = self.layout.open(image)
        stages = self.layout.stages(img, plan)
        if pipelined:
            pending = [tiles.submit(stage()) for stage in stages]
        else:
            pending = [tiles.submit(np.concatenate([stage() for stage in stages]))]
        features = torch.cat([f.result() for f in pending], dim=0)  # re-raises the encoder's error
        if self.release_vision:
            self._release_tiles()
        embeds = self.layout.pack(plan, features)
        stats.tiles = plan.images_to_encode
        stats.extra.update(grid=list(plan.grid), image_tokens=plan.image_tokens)
        stats.image_encode_ms = (time.perf_counter() - started) * 1000.0
        return EncodedImage(embeds.unsqueeze(0), plan)

    def encode_tiles(self, pixels: np.ndarray) -> torch.Tensor:
        """Normalised tiles [N, 3, H, W] -> projector outputs [N * tokens per tile, dim]."""
        return self._tiles("tiles").submit(pixels).result()

    def use_image_encoder(self, where: str) -> None:
        """Switch where the vision programs run (``inline`` or ``process``) without reloading the LLM."""
        self._tiles("image encoder").close()
        self.tiles = open_tile_encoder(self.art, where)
        self._wait_for_encoder()

    def _tiles(self, what: str) -> TileEncoder | TileEncoderProcess:
        """The loaded encoder (loaded again if released), or the one-line refusal for text-only artifacts."""
        if self.tiles is None and self.art.multimodal and self.art.has_llm:
            self.tiles = open_tile_encoder(self.art, self.image_encoder)
            self._wait_for_encoder()
        if self.tiles is None:
            raise BadInput(f"{what}: the {self.art.preset} artifacts are text-only (no vision encoder)")
        return self.tiles

    def _release_tiles(self) -> None:
        """Drop the vision programs (their packed weights go back to the system: large blocks)."""
        if self.tiles is not None:
            self.tiles.close()
            self.tiles = None
            release_freed_memory()

    def _wait_for_encoder(self) -> None:
        """A child encoder loads while this process loads the LLM; ready (or its error) on return."""
        if self.tiles is not None:
            try:
                self.tiles.wait_ready()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Stops the image encoder's process, if it has one."""
        if self.tiles is not None:
            self.tiles.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- text -----------------------------------------------------------------------------

    def embed_ids(self, ids: list[int]) -> torch.Tensor:
        return self.embed.execute([torch.tensor([ids], dtype=torch.long)])[0]

    def prompt_ids(self, prompt: str, plan: ImagePlan | None = None) -> PromptIds:
        """The user turn's token ids (the checkpoint processor's ``input_ids``) and the image's slots."""
        return prompt_ids(self.codec, self.chat, self.layout, prompt, plan)

    def prompt_embeddings(self, prompt: str, image: EncodedImage | None) -> torch.Tensor:
        """Token embeddings of the turn with the image's embeddings in its slots (as the model's
        forward scatters them over its image tokens)."""
        turn = self.prompt_ids(prompt, image.plan if image is not None else None)
        n_image = len(turn.image_positions)
        if len(turn.ids) >= self.max_seq_len:
            raise BadInput(
                f"prompt: {len(turn.ids)} tokens ({n_image} of them image) is over the context of "
                f"{self.max_seq_len}"
            )
        embeds = self.embed_ids(turn.ids).clone()  # the program's output buffer is reused by the next call
        if image is not None:
            embeds[0, turn.image_positions] = image.embeds[0].to(embeds.dtype)
        return embeds

    def prefill(self, embeds: torch.Tensor) -> torch.Tensor:
        """Chunked prefill from position 0; returns the last position's logits."""
        logits = None
        for start in range(0, embeds.shape[1], self.chunk):
            chunk = embeds[:, start : start + self.chunk].contiguous()
            logits = self.prefill_method.execute([chunk, torch.tensor([start], dtype=torch.long)])[0]
        assert logits is not None
        return logits

    def decode_step(self, token: int, pos: int) -> torch.Tensor:
        """One token at position ``pos`` on the KV cache; its logits."""
        return self.decode_method.execute([self.embed_ids([token]), torch.tensor([pos], dtype=torch.long)])[0]

    def generate(
        self,
        prompt: str,
        image: str | Path | None = None,
        max_new_tokens: int = 128,
        sampler: SamplerConfig | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        stats = Stats(phase_rss_mb={"load": self.load_rss_mb})
        phase_peak_rss_mb()  # the time since loading (or the last answer) is no phase of this one
        t0 = time.perf_counter()
        encoded = None
        if image is not None:
            encoded = self.encode_image(image, stats)
            stats.phase_rss_mb["image_encode"] = phase_peak_rss_mb()
        return self.answer(prompt, encoded, stats, t0, max_new_tokens, sampler, on_text)

    def answer(
        self,
        prompt: str,
        image: EncodedImage | None,
        stats: Stats,
        t0: float,
        max_new_tokens: int = 128,
        sampler: SamplerConfig | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Generation:
        """Prefill the prompt (around already encoded image embeddings) and decode; TTFT counts from t0."""
        self._llm_loaded_now(stats)
        embeds = self.prompt_embeddings(prompt, image)
        n_prompt = embeds.shape[1]
        if n_prompt >= self.max_seq_len:
            raise BadInput(
                f"prompt: {n_prompt} tokens (with image) is over the context of {self.max_seq_len}"
            )
        budget = min(max_new_tokens, self.max_seq_len - n_prompt)
        choose = Sampler(sampler or SamplerConfig())

        started = time.perf_counter()
        logits = self.prefill(embeds)
        stats.prefill_ms = (time.perf_counter() - started) * 1000.0
        stats.prefill_tokens = n_prompt
        stats.phase_rss_mb["prefill"] = phase_peak_rss_mb()
        stream = StreamDecoder(self.codec)
        token = choose(logits)
        stats.ttft_ms = (time.perf_counter() - t0) * 1000.0
        stats.stop_reason = "max_new_tokens" if budget == max_new_tokens else "context_full"
        started = time.perf_counter()
        pos = n_prompt
        for step in range(budget):
            if token in self.eos_ids:
                stats.stop_reason = "eos"
                break
            piece = stream.push(token)
            if piece and on_text:
                on_text(piece)
            if step == budget - 1:
                break
            logits = self.decode_step(token, pos)
            stats.decode_tokens += 1
            pos += 1
            token = choose(logits)
        stats.decode_ms = (time.perf_counter() - started) * 1000.0
        stats.phase_rss_mb["decode"] = phase_peak_rss_mb()
        stats.peak_rss_mb = peak_rss_mb()
        stats.extra["generated_tokens"] = len(stream.ids)
        return Generation(stream.text, list(stream.ids), stats)
