export default function Rollout() {
  return <h1>Rollout</h1>;
}
