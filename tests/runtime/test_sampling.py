import pytest
import torch

from bluev.runtime.options import SamplerConfig
from bluev.runtime.sampling import Sampler, greedy


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_greedy_picks_what_torch_argmax_picks(dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        logits = torch.randn(1, 49152, generator=gen).to(dtype)
        assert greedy(logits) == int(torch.argmax(logits))


def test_greedy_takes_the_first_of_tied_maxima() -> None:
    logits = torch.zeros(1, 100)
    logits[0, [7, 42, 99]] = 3.0
    assert greedy(logits) == 7
    assert greedy(logits[0]) == 7  # a flat vector too


def test_temperature_zero_sampler_is_greedy() -> None:
    logits = torch.randn(1, 1000, generator=torch.Generator().manual_seed(1))
    assert Sampler(SamplerConfig())(logits) == int(torch.argmax(logits))
