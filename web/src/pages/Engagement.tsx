export default function Engagement() {
  return <h1>Engagement</h1>;
}
