export default function DataConsent() {
  return <h1>DataConsent</h1>;
}
