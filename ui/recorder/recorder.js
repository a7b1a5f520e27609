// The live recorder (ui/recorder/__init__.py): microphone -> 16 kHz int16 PCM -> WebSocket /listen -> words on screen.
// No build step: Streamlit's components v2 mount this module in the page itself (no iframe).
const SAMPLE_RATE = 16000;
const FRAME_SAMPLES = 1600; // 0.1 s per WebSocket frame
const recorders = new WeakMap(); // one recorder per mounted element, kept across reruns

const WORKLET = `
class Tap extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor("recorder-tap", Tap);
`;

export function supported() {
  return Boolean(
    window.WebSocket && window.AudioContext && window.AudioWorkletNode &&
      navigator.mediaDevices && navigator.mediaDevices.getUserMedia,
  );
}

// Averages the source samples that fall into each 16 kHz sample (a box filter before decimation).
class Downsampler {
  constructor(rate) {
    this.step = rate / SAMPLE_RATE;
    this.position = 0;
    this.sum = 0;
    this.count = 0;
    this.pending = [];
  }
  push(samples) {
    for (const value of samples) {
      this.sum += value;
      this.count += 1;
      this.position += 1;
      if (this.position >= this.step) {
        this.position -= this.step;
        const mean = Math.max(-1, Math.min(1, this.sum / this.count));
        this.pending.push(mean < 0 ? mean * 0x8000 : mean * 0x7fff);
        this.sum = 0;
        this.count = 0;
      }
    }
  }
  take(all) {
    const size = all ? this.pending.length : this.pending.length - (this.pending.length % FRAME_SAMPLES);
    if (size === 0) return null;
    const frame = Int16Array.from(this.pending.splice(0, size));
    return frame.buffer;
  }
}

class Recorder {
  constructor(root, args) {
    this.root = root;
    this.args = args;
    this.button = root.querySelector("button");
    this.confirmed = root.querySelector(".confirmed");
    this.tentative = root.querySelector(".tentative");
    this.status = root.querySelector(".status");
    this.button.addEventListener("click", () => (this.running ? this.stop() : this.start()));
  }

  say(text, problem = false) {
    this.status.textContent = text;
    this.status.setAttribute("role", problem ? "alert" : "status");
  }

  setButton(label) {
    this.button.textContent = label;
    this.button.setAttribute("aria-label", label);
  }

  async start() {
    this.running = true;
    this.finished = false;
    this.setButton("Stop recording");
    this.confirmed.textContent = "";
    this.tentative.textContent = "";
    this.say("Listening…");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${location.host}${this.args.data.path}`);
    this.socket.binaryType = "arraybuffer";
    this.socket.onmessage = (event) => this.heard(JSON.parse(event.data));
    this.socket.onclose = (event) => this.closed(event);
    this.opened = new Promise((resolve) => this.socket.addEventListener("open", resolve, { once: true }));
    const attempt = (this.attempt = (this.attempt || 0) + 1);
    // The server may close the stream (full, refused) while the browser is still opening the microphone:
    // then its reason stays on screen and the microphone, if it opens after all, is closed at once.
    const overtaken = () => !this.running || attempt !== this.attempt;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
      });
      if (overtaken()) {
        stream.getTracks().forEach((track) => track.stop());
        return;
      }
      this.stream = stream;
      this.context = new AudioContext();
      const module = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
      await this.context.audioWorklet.addModule(module);
      URL.revokeObjectURL(module);
      const source = this.context.createMediaStreamSource(this.stream);
      this.tap = new AudioWorkletNode(this.context, "recorder-tap");
      this.downsampler = new Downsampler(this.context.sampleRate);
      this.tap.port.onmessage = (event) => this.captured(event.data);
      source.connect(this.tap);
    } catch (error) {
      if (overtaken()) return;
      this.fail(`The microphone could not be opened (${error.name || error}). Allow it, or upload a recording.`);
    }
  }

  captured(samples) {
    if (!this.running) return;
    this.downsampler.push(samples);
    const frame = this.downsampler.take(false);
    if (frame && this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  async stop() {
    if (!this.running) return;
    this.running = false;
    this.stoppedAt = performance.now();
    this.setButton("Record");
    this.button.disabled = true;
    this.say("Finishing…");
    this.release();
    await this.opened;
    const rest = this.downsampler && this.downsampler.take(true);
    if (rest) this.socket.send(rest);
    this.socket.send(JSON.stringify({ type: "stop" }));
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    if (this.context) this.context.close();
    this.stream = null;
    this.context = null;
  }

  heard(message) {
    if (message.type === "partial") {
      this.confirmed.textContent = message.confirmed;
      this.tentative.textContent = (message.confirmed ? " " : "") + message.tentative;
      this.root.dataset.words = `${message.confirmed} ${message.tentative}`.trim();
    } else if (message.type === "final") {
      this.finished = true;
      this.confirmed.textContent = message.text;
      this.tentative.textContent = "";
      this.say("");
      message.stop_to_final_ms = Math.round(performance.now() - (this.stoppedAt || performance.now()));
      this.args.setTriggerValue("final", message);
    }
  }

  closed(event) {
    this.button.disabled = false;
    if (this.finished) return;
    const wasRunning = this.running;
    this.running = false;
    this.setButton("Record");
    this.release();
    const reason = event.reason || (event.code === 1006 ? "The connection to the server was lost." : "");
    this.fail(reason || "Live transcription stopped.", wasRunning);
  }

  fail(message) {
    this.running = false;
    this.setButton("Record");
    this.button.disabled = false;
    this.release();
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    this.say(message, true);
    this.args.setTriggerValue("error", message);
  }
}

export default function (args) {
  const root = args.parentElement.querySelector(".recorder");
  if (!supported()) {
    args.setStateValue("unsupported", true); // the page then shows Streamlit's own recorder
    return;
  }
  const known = recorders.get(root);
  if (known) {
    known.args = args; // newer callbacks, same microphone and socket
    return;
  }
  root.querySelector(".label").textContent = args.data.label;
  root.querySelector("button").textContent = "Record";
  recorders.set(root, new Recorder(root, args));
}
