package org.bluev.demo

import android.os.SystemClock
import java.io.Closeable
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import org.bluev.core.ArtifactDir
import org.bluev.core.ArtifactException
import org.bluev.core.BpeTokenizer
import org.bluev.core.LoadGroup
import org.bluev.core.LogMel
import org.bluev.core.Manifest
import org.bluev.core.Resampler
import org.pytorch.executorch.EValue
import org.pytorch.executorch.Module
import org.pytorch.executorch.Tensor

/**
 * The artifact set's own speech-to-text programs (manifest `speech`), as runtime/speech.py runs
 * them on the host: the core's [LogMel] front end, speech_encoder.pte, then
 * speech_decoder.pte's `cross_attention` once and `decode` greedily under the manifest's rules
 * (language detection, suppressed tokens, end token, length limit). The app uses it when the
 * phone has no on-device recognizer; the benchmark entry point when given an audio file.
 */
class SpeechEngine(artifacts: ArtifactDir) : Closeable {
  data class Transcript(val text: String, val tokens: Int, val transcribeMs: Double)

  private val speech: Manifest.Speech =
      artifacts.manifest.speech?.takeIf { artifacts.manifest.hasSpeech() }
          ?: throw ArtifactException("${artifacts.root}: the artifact set has no speech programs")
  private val programs = LoadGroup()
  private val encoderFile = artifacts.file(artifacts.manifest.components.getValue(speech.encoder).file).path
  private val decoderFile = artifacts.file(artifacts.manifest.components.getValue(speech.decoder).file).path
  private val encoder: Module = programs.open(encoderFile) { Module.load(encoderFile, Module.LOAD_MODE_MMAP) }
  // one Module: its two methods share the caches (cross_attention writes them, decode reads)
  private val decoder: Module = programs.open(decoderFile) { Module.load(decoderFile, Module.LOAD_MODE_MMAP) }
  private val tokenizerFile = artifacts.file(speech.tokenizerFile).path
  private val tokenizer: BpeTokenizer =
      programs.read(tokenizerFile) { BpeTokenizer.fromJson(File(tokenizerFile).readText()) }
  private val logMel: LogMel = speech.logMel(readFloats(artifacts.file(speech.filtersFile)))

  init {
    programs.run(encoderFile) { encoder.loadMethod(speech.encodeMethod) }
    programs.run(decoderFile) {
      decoder.loadMethod(speech.crossAttentionMethod)
      decoder.loadMethod(speech.decodeMethod)
    }
  }

  /** The rate [transcribe] wants; other rates go through [Resampler] first. */
  val samplingRate: Int
    get() = speech.samplingRate

  /** Mono samples at [rate] Hz (at most the encoder's chunk) -> the transcript. Blocks. */
  fun transcribe(samples: FloatArray, rate: Int): Transcript {
    val started = SystemClock.elapsedRealtimeNanos()
    val audio = if (rate == speech.samplingRate) samples else Resampler.resample(samples, rate, speech.samplingRate)
    val chunk = if (audio.size > speech.nSamples) audio.copyOf(speech.nSamples) else audio
    val features = logMel.compute(chunk)
    val input = Tensor.fromBlob(features, longArrayOf(1, speech.nMels.toLong(), speech.frames.toLong()))
    val states = encoder.execute(speech.encodeMethod, EValue.from(input))[0]
    decoder.execute(speech.crossAttentionMethod, states)
    val ids = greedy()
    val text = tokenizer.decode(ids).trim()
    return Transcript(text, ids.size, (SystemClock.elapsedRealtimeNanos() - started) / 1e6)
  }

  private fun greedy(): List<Int> {
    val prompt = speech.promptIds.copyOf()
    if (speech.languageIndex >= 0) {
      val scores = logits(longArrayOf(prompt[0]), 0)
      val best = speech.languageIds.values.maxByOrNull { scores[it.toInt()] }
      if (best != null) prompt[speech.languageIndex] = best
    }
    val out = ArrayList<Int>()
    var scores = logits(prompt, 0)
    while (true) {
      for (id in speech.suppressIds) scores[id.toInt()] = Float.NEGATIVE_INFINITY
      if (out.isEmpty()) for (id in speech.beginSuppressIds) scores[id.toInt()] = Float.NEGATIVE_INFINITY
      val token = argmax(scores)
      if (token.toLong() == speech.eosId) break
      out.add(token)
      if (prompt.size + out.size >= speech.maxLength) break
      scores = logits(longArrayOf(token.toLong()), prompt.size + out.size - 1)
    }
    return out
  }

  /** `decode`: ids [1, T] at [pos] -> the last position's logits. */
  private fun logits(ids: LongArray, pos: Int): FloatArray {
    val tokens = Tensor.fromBlob(ids, longArrayOf(1, ids.size.toLong()))
    val at = Tensor.fromBlob(longArrayOf(pos.toLong()), longArrayOf(1))
    return decoder.execute(speech.decodeMethod, EValue.from(tokens), EValue.from(at))[0].toTensor().dataAsFloatArray
  }

  private fun argmax(values: FloatArray): Int {
    var best = 0
    for (i in 1 until values.size) if (values[i] > values[best]) best = i
    return best
  }

  override fun close() {
    programs.close()
  }

  private fun readFloats(file: File): FloatArray {
    val bytes = programs.read(file.path) { file.readBytes() }
    val out = FloatArray(bytes.size / 4)
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out)
    return out
  }
}
