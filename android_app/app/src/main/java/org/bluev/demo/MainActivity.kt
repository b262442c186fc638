package org.bluev.demo

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Bundle
import android.widget.Button
import android.widget.EditText
import android.widget.ImageView
import android.widget.ScrollView
import android.widget.TextView
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.appcompat.app.AppCompatActivity
import androidx.core.content.ContextCompat
import androidx.core.content.FileProvider
import java.io.File

/** The screen: pick or shoot a picture, type or speak a question, watch the answer stream. */
class MainActivity : AppCompatActivity() {
  private val model: ChatViewModel by viewModels()
  private lateinit var speech: SpeechInput
  private lateinit var status: TextView
  private lateinit var question: EditText

  private val pickPhoto =
      registerForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        uri?.let(model::onPicture)
      }

  // The camera writes into a file we own; its URI must survive rotation while the camera runs.
  private var cameraUri: Uri? = null
  private val takePhoto =
      registerForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val uri = cameraUri
        if (saved && uri != null) model.onPicture(uri)
      }

  private val micPermission =
      registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) {
          listen()
        } else {
          status.text = getString(R.string.speech_permission)
        }
      }

  override fun onCreate(savedInstanceState: Bundle?) {
    super.onCreate(savedInstanceState)
    setContentView(R.layout.activity_main)
    cameraUri = savedInstanceState?.getString(KEY_CAMERA_URI)?.let(Uri::parse)

    status = findViewById(R.id.status)
    question = findViewById(R.id.question)
    val picture = findViewById<ImageView>(R.id.picture)
    val tiles = findViewById<TextView>(R.id.tiles)
    val answer = findViewById<TextView>(R.id.answer)
    val scroll = findViewById<ScrollView>(R.id.answer_scroll)
    val stats = findViewById<TextView>(R.id.stats)
    val ask = findViewById<Button>(R.id.ask)
    val pick = findViewById<Button>(R.id.pick)
    val camera = findViewById<Button>(R.id.camera)
    val speak = findViewById<Button>(R.id.speak)
    val models = findViewById<Button>(R.id.models)

    speech =
        SpeechInput(
            this,
            onText = { text -> question.setText(text) },
            onMessage = { text -> status.text = text })
    speak.isEnabled = speech.available()
    if (!speech.available()) question.hint = getString(R.string.speech_unavailable)

    // Install, choose or delete a model without adb; the chat follows the choice on return.
    models.setOnClickListener { startActivity(Intent(this, ModelsActivity::class.java)) }
    pick.setOnClickListener {
      pickPhoto.launch(
          PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
    }
    camera.setOnClickListener { takePhoto.launch(newCameraUri()) }
    speak.setOnClickListener {
      if (ContextCompat.checkSelfPermission(this, Manifest.permission.RECORD_AUDIO) ==
          PackageManager.PERMISSION_GRANTED) {
        listen()
      } else {
        micPermission.launch(Manifest.permission.RECORD_AUDIO)
      }
    }
    // One button: Ask while idle, Stop while the answer streams.
    ask.setOnClickListener {
      if (model.state.value?.generating == true) model.stop()
      else model.ask(question.text.toString())
    }

    model.state.observe(this) { s ->
      status.text = s.status
      s.picture?.let(picture::setImageBitmap)
      tiles.text = s.tiles ?: getString(R.string.no_image)
      answer.text = s.answer
      stats.text = s.stats
      ask.text = getString(if (s.generating) R.string.stop else R.string.ask)
      ask.isEnabled = s.ready
      pick.isEnabled = s.ready && !s.generating
      camera.isEnabled = s.ready && !s.generating
      models.isEnabled = !s.generating
      speak.isEnabled = speech.available() || s.ownSpeech
      speak.text = getString(if (s.listening) R.string.stop else R.string.speak)
      if (s.heard != null && s.heard != shownHeard) {
        shownHeard = s.heard
        question.setText(s.heard)
      }
      scroll.post { scroll.fullScroll(ScrollView.FOCUS_DOWN) }
    }
  }

  private var shownHeard: String? = null

  /** The set's own speech programs when the phone cannot recognize speech on the device. */
  private fun listen() {
    if (!speech.onDevice() && model.state.value?.ownSpeech == true) model.toggleListening()
    else speech.listen()
  }

  override fun onResume() {
    super.onResume()
    model.reloadIfChanged()
  }

  override fun onSaveInstanceState(outState: Bundle) {
    super.onSaveInstanceState(outState)
    cameraUri?.let { outState.putString(KEY_CAMERA_URI, it.toString()) }
  }

  override fun onDestroy() {
    speech.cancel()
    super.onDestroy()
  }

  private fun newCameraUri(): Uri {
    val dir = File(cacheDir, "photos").apply { mkdirs() }
    val file = File(dir, "camera.jpg") // one at a time: the previous photo is already decoded
    return FileProvider.getUriForFile(this, "$packageName.photos", file).also { cameraUri = it }
  }

  private companion object {
    const val KEY_CAMERA_URI = "camera_uri"
  }
}
