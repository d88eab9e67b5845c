/**
 * Is the face turned toward the screen? A yaw proxy from BlazeFace's keypoints: the nose
 * tip's horizontal offset from the eyes' midpoint, in units of the distance between the eyes.
 * About 0 for a frontal face; it grows towards ±1 as the head turns to a profile.
 */
import type { FaceResult } from '../contract/types.js';

/** |yaw proxy| below this counts as looking at the screen (roughly ±30° of head yaw). */
export const ATTENTION_YAW_LIMIT = 0.35;

export function yawProxy(face: FaceResult): number | undefined {
  const [rightEye, leftEye, nose] = face.landmarks ?? [];
  if (!rightEye || !leftEye || !nose) return undefined;
  const interEye = Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y);
  if (interEye === 0) return undefined;
  // Project onto the eye line so a tilted (rolled) head is not mistaken for a turned one.
  const ux = (leftEye.x - rightEye.x) / interEye;
  const uy = (leftEye.y - rightEye.y) / interEye;
  const midX = (leftEye.x + rightEye.x) / 2;
  const midY = (leftEye.y + rightEye.y) / 2;
  return ((nose.x - midX) * ux + (nose.y - midY) * uy) / interEye;
}

/** True/false when landmarks allow a judgement, undefined otherwise. */
export function isAttentive(face: FaceResult, limit = ATTENTION_YAW_LIMIT): boolean | undefined {
  const yaw = yawProxy(face);
  return yaw === undefined ? undefined : Math.abs(yaw) < limit;
}
