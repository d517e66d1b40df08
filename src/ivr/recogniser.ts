import { normalisePhrase, type Intent } from './dialogue.ts';

/**
 * The recogniser port: how a speech robot turns the customer's audio into text. The sip adapter
 * opens one stream per utterance it hears (its own voice-activity detector finds the start and
 * the end of speech, for barge-in and for a bounded reply delay), writes the audio as it arrives
 * and ends it when the customer stops speaking; the recogniser answers with the transcript.
 *
 * The embedded default is pocketsphinx (src/telephony/sip/media/pocketsphinx.ts), constrained to
 * the dialogue's phrases. Another recogniser — a cloud ASR, an in-house engine — implements this
 * interface and is given to the sip adapter (`SipAdapterOptions.recogniser`); it may return free
 * text: `matchIntent` maps it onto the intents by words.
 */
export interface Recogniser {
  /**
   * A stream for one utterance. `phrases` are every phrase the dialogue listens for (normalised,
   * lower case): a grammar for recognisers that take one, a hint for others. Called when the robot
   * starts listening, before the customer speaks, so a recogniser may warm up meanwhile.
   */
  open(phrases: readonly string[]): RecognitionStream;
}

export interface RecognitionStream {
  /** 8 kHz, 16-bit mono samples of the customer's audio, in order, as they arrive. */
  write(pcm: Int16Array): void;
  /** The utterance is over: resolves with what was said (an empty transcript when nothing). */
  end(): Promise<Recognition>;
  /** Abandons the stream (the call ended, nothing was said): frees what it holds. */
  abort(): void;
}

export interface Recognition {
  /** What the recogniser heard, lower case words. */
  transcript: string;
  /** 0..1, when the recogniser tells one. */
  confidence: number | null;
}

export interface IntentMatch {
  intent: Intent;
  phrase: string;
}

/**
 * The intent a transcript expresses: the intent with the longest phrase found in it as whole
 * words ("yes I want to talk to a person" is the person, not yes). None: no match.
 */
export function matchIntent(
  transcript: string,
  intents: readonly Intent[],
): IntentMatch | undefined {
  const heard = ` ${normalisePhrase(transcript)} `;
  let best: IntentMatch | undefined;
  for (const intent of intents)
    for (const p of intent.phrases) {
      const phrase = normalisePhrase(p);
      if (!phrase || !heard.includes(` ${phrase} `)) continue;
      if (!best || phrase.length > best.phrase.length) best = { intent, phrase };
    }
  return best;
}
