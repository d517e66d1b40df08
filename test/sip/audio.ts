/** Root mean square of 16-bit samples: about 0.7 × amplitude for a tone, 0 for silence. */
export function rms(samples: Int16Array): number {
  if (!samples.length) return 0;
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / samples.length);
}
